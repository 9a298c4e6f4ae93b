/**
 * `toyvmm disasm FILE`: print an image (or an assembled source) as assembly that reassembles
 * to the same image.
 */
import { disassembleImage } from "../../isa/disasm.js";
import { readImageFile } from "../../isa/loader.js";
import { writeOutput, type Command } from "./shared.js";

interface DisasmOptions {
  file: string;
  output?: string;
}

export const disasmCommand: Command<DisasmOptions> = {
  command: "disasm <file>",
  describe: "Disassemble an image into assembly that reassembles to the same image",
  builder: (yargs) =>
    yargs
      .positional("file", { type: "string", demandOption: true, describe: "Image (.tvm) or assembly source (.s)" })
      .option("output", { alias: "o", type: "string", requiresArg: true, describe: "Write the assembly to FILE instead of stdout" })
      .example("$0 disasm programs/hello.tvm", "prints the program as assembly")
      .example("$0 disasm prog.tvm -o prog2.s && $0 asm prog2.s", "reassembles to the same image"),
  handler: (args) => {
    const text = disassembleImage(readImageFile(args.file));
    writeOutput(args.io, args.output ?? "-", text.endsWith("\n") ? text : text + "\n");
  },
};

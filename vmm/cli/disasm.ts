/**
 * `toyvmm disasm FILE`: print an image (or an assembled source) as assembly that reassembles
 * to the same image. `-` reads the image or source from standard input.
 */
import { disassembleImage } from "../../isa/disasm.js";
import { refuseOverwrite } from "../../isa/loader.js";
import { readImageArgument } from "../../isa/sources.js";
import { INCLUDE_DIR_OPTION } from "./guest-options.js";
import { writeOutput, type Command } from "./shared.js";

interface DisasmOptions {
  file: string;
  output?: string;
  includeDir?: string[];
}

export const disasmCommand: Command<DisasmOptions> = {
  command: "disasm <file>",
  describe: "Disassemble an image into assembly that reassembles to the same image",
  builder: (yargs) =>
    yargs
      .positional("file", {
        type: "string",
        demandOption: true,
        describe: "Image (.tvm) or assembly source (.s), or - for standard input (either)",
      })
      .option("output", {
        alias: "o",
        type: "string",
        requiresArg: true,
        describe: "Write the assembly to FILE instead of stdout",
      })
      .option("include-dir", INCLUDE_DIR_OPTION)
      .example("$0 disasm programs/hello.s", "prints the program as assembly (a source is assembled first)")
      .example("$0 disasm programs/hello.s -o /tmp/hello2.s && $0 asm /tmp/hello2.s", "reassembles to the same image")
      .example("$0 asm programs/hello.s -o - | $0 disasm -", "disassembles standard input"),
  handler: async (args) => {
    const { image, files } = await readImageArgument(args.file, args.io.stdin, { includePath: args.includeDir ?? [] });
    if (args.output !== undefined) refuseOverwrite([["-o", args.output]], files);
    const text = disassembleImage(image);
    writeOutput(args.io, args.output ?? "-", text.endsWith("\n") ? text : text + "\n");
  },
};

/**
 * `toyvmm asm FILE.s`: assemble a toy program into a `.tvm` image, optionally with a listing
 * and a symbol map.
 */
import { assembleFile } from "../../isa/asm/index.js";
import { encodeImage } from "../../isa/image/format.js";
import { replaceExtension, writeOutput, type Command } from "./shared.js";

interface AsmOptions {
  file: string;
  output?: string;
  listing?: string;
  symbols?: string;
}

export const asmCommand: Command<AsmOptions> = {
  command: "asm <file>",
  describe: "Assemble a toy assembly file into a .tvm image",
  builder: (yargs) =>
    yargs
      .positional("file", { type: "string", demandOption: true, describe: "Assembly source (.s)" })
      .option("output", { alias: "o", type: "string", requiresArg: true, describe: "Image to write (default: FILE with .tvm)" })
      .option("listing", { type: "string", requiresArg: true, describe: "Write an address/bytes/source listing to FILE, or - for stdout" })
      .option("symbols", { type: "string", requiresArg: true, describe: "Write the symbol map to FILE, or - for stdout" })
      .example("$0 asm programs/hello.s", "writes programs/hello.tvm")
      .example("$0 asm prog.s -o /tmp/prog.tvm --listing -", "also prints the listing")
      .example("$0 asm prog.s --symbols prog.sym", "also writes the symbol map"),
  handler: (args) => {
    const output = args.output ?? replaceExtension(args.file, ".s", ".tvm");
    const { image, listing, symbolMap } = assembleFile(args.file);
    const bytes = encodeImage(image, output);
    writeOutput(args.io, output, bytes);
    if (args.listing !== undefined) writeOutput(args.io, args.listing, listing);
    if (args.symbols !== undefined) writeOutput(args.io, args.symbols, symbolMap);
    args.log.info({ file: args.file, output, bytes: bytes.length, sections: image.sections.length }, "assembled");
  },
};

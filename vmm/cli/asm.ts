/**
 * `toyvmm asm FILE.s`: assemble a toy program into a `.tvm` image, optionally with a listing
 * and a symbol map. `-` reads the source from standard input; `-I DIR` adds include folders.
 */
import { UserError } from "../../isa/errors.js";
import { encodeImage } from "../../isa/image/format.js";
import {
  assembleFile,
  assembleText,
  SOURCE_FILE,
  sourceText,
  type AssembledFile,
} from "../../isa/sources.js";
import { readStreamBytes, refuseOverwrite, STDIN_NAME } from "../../isa/loader.js";
import { INCLUDE_DIR_OPTION } from "./guest-options.js";
import { replaceExtension, writeOutput, type CliIo, type Command } from "./shared.js";

interface AsmOptions {
  file: string;
  output?: string;
  listing?: string;
  symbols?: string;
  includeDir?: string[];
}

/** The `-I DIR` option, as `asm` has it; commands that assemble on the way can share it. */

export const asmCommand: Command<AsmOptions> = {
  command: "asm <file>",
  describe: "Assemble a toy assembly file into a .tvm image",
  builder: (yargs) =>
    yargs
      .positional("file", {
        type: "string",
        demandOption: true,
        describe: "Assembly source (.s), or - to read it from standard input",
      })
      .option("output", {
        alias: "o",
        type: "string",
        requiresArg: true,
        describe: "Image to write (default: FILE with .tvm; needed with -), or - for stdout",
      })
      .option("listing", {
        type: "string",
        requiresArg: true,
        describe: "Write an address/bytes/source listing to FILE, or - for stdout",
      })
      .option("symbols", {
        type: "string",
        requiresArg: true,
        describe: "Write the symbol map to FILE, or - for stdout",
      })
      .option("include-dir", INCLUDE_DIR_OPTION)
      .example("$0 asm programs/hello.s", "writes programs/hello.tvm")
      .example("$0 asm programs/fib.s --listing -", "also prints the listing")
      .example("$0 asm programs/fib.s --symbols fib.sym", "also writes the symbol map")
      .example("$0 asm programs/fib.s -I programs/lib", '.include "print.s" would also find programs/lib/print.s')
      .example("cat programs/fib.s | $0 asm - -o fib.tvm", "assembles standard input"),
  handler: async (args) => {
    const fromStdin = args.file === "-";
    if (fromStdin && args.output === undefined) {
      throw new UserError(
        "asm -: the source comes from standard input, so say where the image goes with -o FILE (or -o - for stdout)",
      );
    }
    const output = args.output ?? replaceExtension(args.file, ".s", ".tvm");
    const options = { includePath: args.includeDir ?? [] };
    // The listing and symbol map are written only when asked for (a listing can be large).
    const assembled = fromStdin ? await assembleStdin(args.io, options) : assembleFile(args.file, options);
    const { image, sources } = assembled;
    const outputs: [string, string | undefined][] = [
      ["-o", output],
      ["--listing", args.listing],
      ["--symbols", args.symbols],
    ];
    const given = outputs.filter((o): o is [string, string] => o[1] !== undefined);
    if (output === "-" && given.filter(([, path]) => path === "-").length > 1) {
      throw new UserError("-o - writes the image to stdout: send the listing and symbol map to files");
    }
    refuseOverwrite(given, sources);
    const bytes = encodeImage(image, output);
    writeOutput(args.io, output, bytes);
    if (args.listing !== undefined) writeOutput(args.io, args.listing, assembled.listing);
    if (args.symbols !== undefined) writeOutput(args.io, args.symbols, assembled.symbolMap);
    args.log.info({ file: args.file, output, bytes: bytes.length, sections: image.sections.length }, "assembled");
  },
};

async function assembleStdin(io: CliIo, options: { includePath: string[] }): Promise<AssembledFile> {
  const bytes = io.stdin ? await readStreamBytes(io.stdin, STDIN_NAME, SOURCE_FILE) : new Uint8Array(0);
  return assembleText(sourceText(bytes, STDIN_NAME), STDIN_NAME, options);
}

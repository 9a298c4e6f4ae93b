/**
 * `toyvmm inspect FILE`: what an image holds — header, sections (with where their bytes sit in
 * the file), symbols, checksum — as text or, with --json, as one JSON object. `-` reads the
 * image or source from standard input.
 */
import { IMAGE_FORMAT_VERSION, sectionTable, storedChecksum } from "../../isa/image/format.js";
import { SECTION_EXEC, SECTION_WRITE, SECTION_ZERO } from "../../isa/image/model.js";
import { printableName } from "../../isa/image/printable.js";
import { STDIN_NAME, type ImageFile } from "../../isa/loader.js";
import { readImageArgument } from "../../isa/sources.js";
import { INCLUDE_DIR_OPTION } from "./guest-options.js";
import { hex32, type Command } from "./shared.js";

interface InspectOptions {
  file: string;
  json: boolean;
  includeDir?: string[];
}

const FLAG_NAMES: [number, string][] = [
  [SECTION_EXEC, "exec"],
  [SECTION_WRITE, "write"],
  [SECTION_ZERO, "zero"],
];

/** The facts `inspect` shows; this is also the --json output. */
export interface ImageSummary {
  file: string;
  formatVersion: number;
  fileSize: number;
  checksum: number;
  entry: number;
  memorySize: number;
  flags: number;
  bootArgs: { address: number; size: number };
  /** `fileOffset`: where the section's bytes start in the file; `fileLength`: how many (0 for bss). */
  sections: { name: string; address: number; size: number; flags: string[]; fileOffset: number; fileLength: number }[];
  symbols: { name: string; address: number }[];
}

/** The summary of an image read by `readImageArgument`, named `file`. */
export function summarizeImage(file: string, { image, bytes }: ImageFile): ImageSummary {
  const table = sectionTable(image);
  return {
    file,
    formatVersion: IMAGE_FORMAT_VERSION,
    fileSize: bytes.length,
    checksum: storedChecksum(bytes),
    entry: image.entry,
    memorySize: image.memorySize,
    flags: image.flags,
    bootArgs: { ...image.bootArgs },
    sections: image.sections.map((s, i) => ({
      name: s.name,
      address: s.address,
      size: s.size,
      flags: FLAG_NAMES.filter(([bit]) => s.flags & bit).map(([, name]) => name),
      fileOffset: table[i]!.fileOffset,
      fileLength: table[i]!.fileLength,
    })),
    symbols: image.symbols.map(({ name, address }) => ({ name, address })),
  };
}

export function formatSummary(s: ImageSummary): string {
  const lines = [
    `${printableName(s.file)}: toyvmm image, format version ${s.formatVersion}, ${s.fileSize} bytes, checksum ${hex32(s.checksum)}`,
    `entry       ${hex32(s.entry)}`,
    `memory      ${hex32(s.memorySize)} (${s.memorySize / 1024} KiB)`,
    `flags       ${hex32(s.flags)}`,
    `boot args   ${s.bootArgs.size ? `${hex32(s.bootArgs.address)}, ${s.bootArgs.size} bytes` : "none"}`,
    "",
    `sections (${s.sections.length}):`,
  ];
  // Names come from the file: shown escaped, so that a control character cannot reach the terminal.
  const names = s.sections.map((x) => printableName(x.name));
  const nameWidth = Math.max(4, ...names.map((name) => name.length));
  if (s.sections.length) lines.push(`  ${"name".padEnd(nameWidth)}  address     size        file offset  flags`);
  s.sections.forEach((x, i) => {
    const offset = x.fileLength > 0 ? hex32(x.fileOffset) : "-";
    lines.push(
      `  ${names[i]!.padEnd(nameWidth)}  ${hex32(x.address)}  ${hex32(x.size)}  ${offset.padEnd(11)}  ${x.flags.join(",") || "-"}`,
    );
  });
  lines.push("", `symbols (${s.symbols.length}):`);
  for (const x of [...s.symbols].sort(
    (a, b) => a.address - b.address || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  )) {
    lines.push(`  ${hex32(x.address)}  ${printableName(x.name)}`);
  }
  return lines.join("\n") + "\n";
}

export const inspectCommand: Command<InspectOptions> = {
  command: "inspect <file>",
  describe: "Show an image's header, sections, symbols and checksum",
  builder: (yargs) =>
    yargs
      .positional("file", {
        type: "string",
        demandOption: true,
        describe: "Image (.tvm) or assembly source (.s), or - for standard input (either)",
      })
      .option("json", { type: "boolean", default: false, describe: "Print one JSON object instead of text" })
      .option("include-dir", INCLUDE_DIR_OPTION)
      .example("$0 inspect programs/hello.s", "header, sections (address, size, file offset) and symbols")
      .example("$0 inspect programs/hello.s --json", "machine-readable")
      .example("$0 asm programs/hello.s -o - | $0 inspect -", "inspects standard input"),
  handler: async (args) => {
    const input = await readImageArgument(args.file, args.io.stdin, { includePath: args.includeDir ?? [] });
    const summary = summarizeImage(args.file === "-" ? STDIN_NAME : args.file, input);
    args.io.stdout.write(args.json ? JSON.stringify(summary, null, 2) + "\n" : formatSummary(summary));
  },
};

/**
 * `toyvmm inspect FILE`: what an image holds — header, sections, symbols, checksum — as text
 * or, with --json, as one JSON object.
 */
import { assembleFile } from "../../isa/asm/index.js";
import { decodeImage, encodeImage, IMAGE_FORMAT_VERSION, storedChecksum } from "../../isa/image/format.js";
import { SECTION_EXEC, SECTION_WRITE, SECTION_ZERO } from "../../isa/image/model.js";
import { readFileBytes } from "../../isa/loader.js";
import { hex32, type Command } from "./shared.js";

interface InspectOptions {
  file: string;
  json: boolean;
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
  sections: { name: string; address: number; size: number; flags: string[]; fileLength: number }[];
  symbols: { name: string; address: number }[];
}

/** Reads and checks `file` (a `.tvm` image, or a `.s` source that is assembled first). */
export function summarizeImageFile(file: string): ImageSummary {
  const bytes = file.endsWith(".s") ? encodeImage(assembleFile(file).image, file) : readFileBytes(file);
  const image = decodeImage(bytes, file);
  return {
    file,
    formatVersion: IMAGE_FORMAT_VERSION,
    fileSize: bytes.length,
    checksum: storedChecksum(bytes),
    entry: image.entry,
    memorySize: image.memorySize,
    flags: image.flags,
    bootArgs: { ...image.bootArgs },
    sections: image.sections.map((s) => ({
      name: s.name,
      address: s.address,
      size: s.size,
      flags: FLAG_NAMES.filter(([bit]) => s.flags & bit).map(([, name]) => name),
      fileLength: s.data.length,
    })),
    symbols: image.symbols.map(({ name, address }) => ({ name, address })),
  };
}

export function formatSummary(s: ImageSummary): string {
  const lines = [
    `${s.file}: toyvmm image, format version ${s.formatVersion}, ${s.fileSize} bytes, checksum ${hex32(s.checksum)}`,
    `entry       ${hex32(s.entry)}`,
    `memory      ${hex32(s.memorySize)} (${s.memorySize / 1024} KiB)`,
    `flags       ${hex32(s.flags)}`,
    `boot args   ${s.bootArgs.size ? `${hex32(s.bootArgs.address)}, ${s.bootArgs.size} bytes` : "none"}`,
    "",
    `sections (${s.sections.length}):`,
  ];
  const nameWidth = Math.max(4, ...s.sections.map((x) => x.name.length));
  if (s.sections.length) lines.push(`  ${"name".padEnd(nameWidth)}  address     size        flags`);
  for (const x of s.sections) {
    lines.push(`  ${x.name.padEnd(nameWidth)}  ${hex32(x.address)}  ${hex32(x.size)}  ${x.flags.join(",") || "-"}`);
  }
  lines.push("", `symbols (${s.symbols.length}):`);
  for (const x of [...s.symbols].sort((a, b) => a.address - b.address || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    lines.push(`  ${hex32(x.address)}  ${x.name}`);
  }
  return lines.join("\n") + "\n";
}

export const inspectCommand: Command<InspectOptions> = {
  command: "inspect <file>",
  describe: "Show an image's header, sections, symbols and checksum",
  builder: (yargs) =>
    yargs
      .positional("file", { type: "string", demandOption: true, describe: "Image (.tvm) or assembly source (.s)" })
      .option("json", { type: "boolean", default: false, describe: "Print one JSON object instead of text" })
      .example("$0 inspect programs/hello.tvm", "header, sections and symbols")
      .example("$0 inspect prog.tvm --json | jq .sections", "machine-readable"),
  handler: (args) => {
    const summary = summarizeImageFile(args.file);
    args.io.stdout.write(args.json ? JSON.stringify(summary, null, 2) + "\n" : formatSummary(summary));
  },
};

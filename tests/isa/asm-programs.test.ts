/**
 * Every assembly program on disk (programs/**, guest-os/**) assembles, and its disassembly
 * assembles back to the identical image. Files that another file `.include`s are fragments and
 * are checked through the file that includes them.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { assemble, assembleFile } from "../../isa/asm/index.js";
import { candidates } from "../../isa/asm/files.js";
import { disassembleImage } from "../../isa/disasm.js";
import type { GuestImage } from "../../isa/image/model.js";

const root = join(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".s"))
    .map((e) => join(e.parentPath, e.name));
}

const all = [...sources(join(root, "programs")), ...sources(join(root, "guest-os"))];
const included = new Set(
  all.flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/^\s*\.include\s+"([^"]+)"/gim)].map((m) => candidates(file, m[1]!, [])[0]!),
  ),
);
const programs = all.filter((f) => !included.has(f)).map((f) => relative(root, f));

const json = (image: GuestImage): string => JSON.stringify(image, (_, v) => (v instanceof Uint8Array ? Array.from(v) : v));

describe("programs on disk", () => {
  it.runIf(programs.length > 0).each(programs)("%s assembles and round-trips through the disassembler", (file) => {
    const { image } = assembleFile(join(root, file));
    const text = disassembleImage(image);
    expect(text).not.toContain("; note:");
    expect(json(assemble(text, { file: `${file}.dis.s` }).image)).toBe(json(image));
  });
});

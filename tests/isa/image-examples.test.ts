/**
 * Every bundled guest kernel and program, as an image: it survives encode/decode unchanged,
 * re-encodes byte for byte, and loads into a machine of the size it asks for.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assembleFile } from "../../isa/asm/index.js";
import { decodeImage, encodeImage } from "../../isa/image/format.js";
import { loadImage } from "../../isa/loader.js";
import { Memory } from "../../isa/memory.js";

const examples = [
  ...readdirSync("guest-os", { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && readdirSync(join("guest-os", entry.name)).includes("kernel.s"))
    .map((entry) => join("guest-os", entry.name, "kernel.s")),
  ...readdirSync("programs")
    .filter((name) => name.endsWith(".s"))
    .map((name) => join("programs", name)),
];

describe("example images", () => {
  it("includes the bundled kernels and programs", () => {
    expect(examples).toContain(join("programs", "hello.s"));
    expect(examples.some((path) => path.startsWith("guest-os"))).toBe(true);
  });

  it.each(examples)("%s round-trips through the image format and loads", (path) => {
    const { image } = assembleFile(path);
    const bytes = encodeImage(image, path);
    const decoded = decodeImage(bytes, path);
    expect(decoded).toEqual(image);
    expect(encodeImage(decoded, path)).toEqual(bytes);

    const memory = new Memory(decoded.memorySize);
    const reset = loadImage(decoded, memory);
    expect(reset.entry).toBe(image.entry);
    expect(reset.a1).toBe(decoded.memorySize);
    for (const section of decoded.sections) {
      if (section.data.length) expect(memory.read(section.address, section.data.length)).toEqual(section.data);
    }
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../isa/errors.js";
import { encodeImage } from "../../isa/image/format.js";
import { SECTION_EXEC, SECTION_WRITE, SECTION_ZERO, type GuestImage } from "../../isa/image/model.js";
import { loadImage } from "../../isa/loader.js";
import { readImageFile } from "../../isa/sources.js";
import { Memory } from "../../isa/memory.js";

function image(bootArgsSize = 64): GuestImage {
  return {
    entry: 0x1000,
    memorySize: 0x10000,
    flags: 0,
    bootArgs: bootArgsSize ? { address: 0x8000, size: bootArgsSize } : { address: 0, size: 0 },
    sections: [
      { name: ".text", address: 0x1000, flags: SECTION_EXEC, data: new Uint8Array([0xaa, 0xbb, 0xcc, 0xdd]), size: 4 },
      { name: ".bss", address: 0x3000, flags: SECTION_WRITE | SECTION_ZERO, data: new Uint8Array(0), size: 0x20 },
    ],
    symbols: [],
  };
}

describe("loadImage", () => {
  it("writes sections, zero-fills bss and returns the reset registers", () => {
    const memory = new Memory(0x10000);
    memory.bytes.fill(0x77);
    memory.takeDirty();
    const reset = loadImage(image(), memory, "hello wörld");
    expect(reset).toEqual({ entry: 0x1000, a0: 0x8000, a1: 0x10000 });
    expect([...memory.read(0x1000, 4)]).toEqual([0xaa, 0xbb, 0xcc, 0xdd]);
    expect(memory.read(0x3000, 0x20).every((b) => b === 0)).toBe(true);
    expect(memory.bytes[0x3020]).toBe(0x77);
    const args = new TextEncoder().encode("hello wörld");
    expect([...memory.read(0x8000, args.length + 1)]).toEqual([...args, 0]);
    expect(memory.takeDirty()).toEqual([1, 3, 8]);
  });

  it("gives a0 = 0 for an image without a boot-args area", () => {
    expect(loadImage(image(0), new Memory(0x10000))).toEqual({ entry: 0x1000, a0: 0, a1: 0x10000 });
  });

  it("reports the actual memory size in a1 when the machine has more", () => {
    expect(loadImage(image(), new Memory(0x20000)).a1).toBe(0x20000);
  });

  it("refuses boot arguments that do not fit, or an image that takes none", () => {
    expect(() => loadImage(image(8), new Memory(0x10000), "12345678")).toThrow(
      new UserError("boot arguments are 9 bytes with the final NUL, but the image's boot-args area holds 8"),
    );
    expect(loadImage(image(8), new Memory(0x10000), "1234567").a0).toBe(0x8000);
    expect(() => loadImage(image(0), new Memory(0x10000), "x")).toThrow(/takes no boot arguments/);
  });

  it("refuses a machine smaller than the image asks for", () => {
    expect(() => loadImage(image(), new Memory(0x8000))).toThrow(UserError);
  });
});

describe("readImageFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "toyvmm-loader-"));

  it("reads a .tvm image", () => {
    const path = join(dir, "a.tvm");
    writeFileSync(path, encodeImage(image()));
    expect(readImageFile(path)).toEqual(image());
  });

  it("names a missing file", () => {
    const path = join(dir, "missing.tvm");
    expect(() => readImageFile(path)).toThrow(UserError);
    expect(() => readImageFile(path)).toThrow(`${path}: no such file`);
  });

  it("names a file that is not an image", () => {
    const path = join(dir, "b.tvm");
    writeFileSync(path, "hello");
    expect(() => readImageFile(path)).toThrow(UserError);
    expect(() => readImageFile(path)).toThrow(`${path}: not a toyvmm image (bad magic)`);
  });
});

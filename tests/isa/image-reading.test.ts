/**
 * Every user file is read within a limit, whatever it is: a regular file is measured before
 * it is read, a device or pipe is read only up to the limit (or not at all where a regular
 * file is needed), and outputs that would overwrite an input are refused.
 */
import { execFileSync, spawn } from "node:child_process";
import { linkSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { IMAGE_FILE, readFileBytes, readStreamBytes, refuseOverwrite, sameFile, type ReadLimit } from "../../isa/loader.js";
import { userErrorMessage } from "../helpers/user-error.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm-read-"));
const MIB = 1 << 20;
const input = (limit: number, streams = false): ReadLimit => ({ limit, what: "a test file", streams });


describe("readFileBytes", () => {
  it("reads a regular file up to and including the limit", () => {
    const path = join(dir, "ten.bin");
    writeFileSync(path, "0123456789");
    expect(Buffer.from(readFileBytes(path, input(10))).toString()).toBe("0123456789");
    expect(userErrorMessage(() => readFileBytes(path, input(9)))).toBe(`${path}: too large for a test file (more than 9 bytes)`);
  });

  it("refuses a huge file from its size, without reading it", () => {
    const path = join(dir, "huge.tvm");
    execFileSync("truncate", ["-s", "3G", path]);
    const start = performance.now();
    expect(userErrorMessage(() => readFileBytes(path, IMAGE_FILE))).toBe(`${path}: too large for an image file (more than 128 MiB)`);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it("refuses devices where a regular file is needed, and reads them within the limit otherwise", () => {
    expect(userErrorMessage(() => readFileBytes("/dev/zero", input(MIB)))).toBe("/dev/zero: not a regular file (a character device)");
    expect(userErrorMessage(() => readFileBytes("/dev/urandom", input(MIB, true)))).toBe("/dev/urandom: too large for a test file (more than 1 MiB)");
    expect(readFileBytes("/dev/null", input(MIB, true))).toEqual(new Uint8Array(0));
    expect(userErrorMessage(() => readFileBytes("/dev/zero", IMAGE_FILE))).toBe("/dev/zero: not a toyvmm image (bad magic)");
  });

  it("refuses a FIFO without opening it (nobody writes it), and reads one that is written", async () => {
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(userErrorMessage(() => readFileBytes(fifo, input(MIB)))).toBe(`${fifo}: not a regular file (a pipe or FIFO)`);
    const writer = spawn("sh", ["-c", `printf hello > '${fifo}'`]);
    expect(Buffer.from(readFileBytes(fifo, input(MIB, true))).toString()).toBe("hello");
    await new Promise((done) => writer.on("close", done));
    const endless = spawn("sh", ["-c", `yes > '${fifo}'`]);
    expect(userErrorMessage(() => readFileBytes(fifo, input(MIB, true)))).toBe(`${fifo}: too large for a test file (more than 1 MiB)`);
    endless.kill();
  });

  it("names a directory and a missing file", () => {
    expect(userErrorMessage(() => readFileBytes(dir, input(MIB)))).toBe(`${dir}: is a directory`);
    expect(userErrorMessage(() => readFileBytes(join(dir, "none"), input(MIB)))).toBe(`${join(dir, "none")}: no such file`);
  });
});

describe("readStreamBytes", () => {
  it("joins the chunks, and stops at the limit", async () => {
    const chunks = () => Readable.from([Buffer.from("ab"), "cd", Buffer.from("ef")]);
    expect(Buffer.from(await readStreamBytes(chunks(), "<stdin>", input(6))).toString()).toBe("abcdef");
    await expect(readStreamBytes(chunks(), "<stdin>", input(5))).rejects.toThrow("<stdin>: too large for a test file (more than 5 bytes)");
  });
});

describe("refuseOverwrite", () => {
  const source = join(dir, "out", "x.s");
  mkdirSync(join(dir, "out"));
  writeFileSync(source, "nop\n");
  symlinkSync(source, join(dir, "out", "link.s"));
  linkSync(source, join(dir, "out", "hard.s"));

  it("knows a file by any of its names", () => {
    for (const name of ["x.s", "link.s", "hard.s", "../out/x.s"]) expect(sameFile(source, join(dir, "out", name))).toBe(true);
    expect(sameFile(source, join(dir, "out", "new.tvm"))).toBe(false);
    expect(sameFile(join(dir, "a", "..", "new"), join(dir, "new"))).toBe(true);
  });

  it("refuses an output onto an input, or two outputs onto one file, and allows stdout", () => {
    expect(userErrorMessage(() => refuseOverwrite([["-o", join(dir, "out", "link.s")]], [source]))).toBe(
      `-o ${join(dir, "out", "link.s")} would overwrite an input of this command (the same file as ${source})`,
    );
    expect(userErrorMessage(() => refuseOverwrite([["-o", join(dir, "p.tvm")], ["--listing", join(dir, "p.tvm")]], [source]))).toBe(
      `-o and --listing both write ${join(dir, "p.tvm")}`,
    );
    expect(() => refuseOverwrite([["-o", "-"], ["--listing", "-"], ["--symbols", join(dir, "p.sym")]], [source])).not.toThrow();
  });
});

/** -I DIR on every command that assembles a source, written apart or attached (`-Ilib`). */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toyvmm } from "./run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm include dir "));
mkdirSync(join(dir, "mylib"));
writeFileSync(join(dir, "mylib", "greet.s"), "greet:\n    la a0, hi\n    j print_str\n.data\nhi: .asciz \"hi from mylib\\n\"\n.text\n");
const prog = join(dir, "prog.s");
writeFileSync(prog, '.include "lib/start.s"\n.include "greet.s"\nmain:\n    push ra\n    call greet\n    pop ra\n    li a0, 0\n    ret\n');
const broken = join(dir, "broken.s");
writeFileSync(broken, "    frob a0\n");

describe("-I DIR", () => {
  it("is searched by run, boot's and migrate's assembler, apart or attached", async () => {
    for (const argv of [["run", prog, "-I", join(dir, "mylib")], ["run", prog, `-I${join(dir, "mylib")}`], ["migrate", prog, "--at", "50", "-I", join(dir, "mylib")]]) {
      const r = await toyvmm(argv);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("hi from mylib\n");
    }
    const without = await toyvmm(["run", prog]);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/prog\.s:2:\d+: error: cannot include "greet\.s"/);
  });

  it("a located diagnostic keeps its GNU form even when the path has spaces", async () => {
    const r = await toyvmm(["run", broken]);
    expect(r.code).toBe(1);
    expect(r.stderr.startsWith(`${broken}:1:5: error: unknown mnemonic 'frob'\n`)).toBe(true);
  });
});

/** Fault reports name the symbol on every command, and `--log-level debug` dumps the registers. */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { toyvmm } from "../cli/run-cli.js";

const looping = "tests/fixtures/debug/looping-trap.s";

describe("fault reports", () => {
  it("boot names the function of the pc the guest faulted at, in text and JSON", async () => {
    const text = await toyvmm(["boot", looping]);
    expect(text.code).toBe(135);
    expect(text.stderr).toMatch(/^toyvmm: looping-trap: fault at pc 0x00001020 <handler\+0x4>: kernel fault loop/);
    const json = await toyvmm(["boot", looping, "--json"]);
    expect(JSON.parse(json.stdout).vms[0].outcome).toMatchObject({ kind: "fault", cause: 7, pc: 0x1020 });
  });

  it("migrate names it too, after the guest moved", async () => {
    const text = await toyvmm(["migrate", looping, "--at", "20"]);
    expect(text.code).toBe(135);
    expect(text.stderr).toMatch(/fault at pc 0x00001020 <handler\+0x4>/);
  });

  it("--log-level debug logs the general and control registers at the fault", () => {
    let stderr = "";
    try {
      execFileSync("node", ["dist/vmm/cli/main.js", "boot", looping, "--log-level", "debug"], { stdio: "pipe" });
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    const line = stderr.split("\n").find((l) => l.includes("registers at the fault"))!;
    const record = JSON.parse(line);
    expect(record.registers).toMatchObject({ pc: "0x0000101c", s0: "0x00000100", t1: "0x00040000" });
    expect(record.csr).toMatchObject({ epc: "0x00001020", cause: "0x00000007", fault: "0x00040000" });
  });
});

import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cpuOf, processCpuMs, withCpu } from "../../vmm/bench/process-cpu.js";

const onLinux = process.platform === "linux";
const WAIT_MS = 10_000;

/** Spins until this process has used `ms` more milliseconds of CPU (however loaded the machine). */
function spin(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

describe("the bench's CPU of whole processes", () => {
  it("counts this process's work, and nothing while it waits", async () => {
    const [, busy] = await withCpu(cpuOf([process.pid]), async () => spin(100));
    const [, idle] = await withCpu(cpuOf([process.pid]), () => new Promise((resume) => setTimeout(resume, 100)));
    expect(busy).toBeGreaterThanOrEqual(100);
    expect(idle).toBeLessThan(50);
  });

  it.runIf(onLinux)("counts another process's work, its threads together", async () => {
    // A child that spins until it has used 300 ms of CPU, says so, and waits to be killed.
    const child = spawn(process.execPath, ["-e", "while (process.cpuUsage().user < 300_000); console.log('done'); setInterval(() => {}, 1000);"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the child did not spin within ${WAIT_MS} ms`)), WAIT_MS);
        child.stdout!.on("data", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      const used = processCpuMs(child.pid!);
      expect(used).toBeGreaterThan(250);
      // Both processes together: the child's and this one's, each at least what it did.
      expect(cpuOf([child.pid!, process.pid])()!).toBeGreaterThan(used! + processCpuMs(process.pid)! - 1);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("has no figure for a process that is not there, and none for a set that holds one", async () => {
    const gone = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
    await new Promise((resolve) => gone.once("exit", resolve));
    expect(processCpuMs(gone.pid!)).toBeNull();
    expect(cpuOf([process.pid, gone.pid!])()).toBeNull();
    const [result, ms] = await withCpu(cpuOf([gone.pid!]), async () => 42);
    expect(result).toBe(42);
    expect(ms).toBeNull();
  });
});

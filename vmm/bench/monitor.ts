/**
 * Monitor benchmarks, called by the bench program (`npm run bench`): figures measured side by
 * side in one process, because the machines are shared and noisy.
 *
 * - overhead: wall time of a guest under the monitor / the same guest bare, for a compute-bound
 *   guest (a kernel loop with a periodic timer, as a real OS has), the CPU bench's branchy and
 *   call-heavy kernels (the sieve and recursive fib of programs/bench, as kernel loops with the
 *   same timer) and a syscall-heavy one (a user loop that enters the kernel every 12
 *   instructions). Targets: ≤ 1.15×, ≤ 1.1×, ≤ 1.1× and ≤ 2×.
 * - density: host memory per VM beyond its guest RAM, booting 1000 small VMs.
 * - cold boot: `toyvmm boot GUEST` as a new process until its first console line.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { GuestImage } from "../../isa/image/model.js";
import { assembleText } from "../../isa/sources.js";
import { createBareMachine } from "../monitor/bare.js";
import type { Machine } from "../monitor/machine.js";
import type { BootOptions } from "../monitor/machine.js";
import { createVm } from "../monitor/vm.js";
import { installedProgram, packageRoot } from "./package-root.js";

/** A kernel-mode ALU loop; the timer interrupts it every 10 000 ticks. */
const COMPUTE_GUEST = `
.memsize 65536
.entry start
.org 0x1000
start:
    la t0, tick
    csrw tvec, t0
    li t0, 1
    csrw imask, t0
    csrr t0, time
    addi t0, t0, 10000
    csrw timecmp, t0
    li t0, 3                ; KERNEL | IE
    csrw status, t0
    li s0, 0
loop:
    addi s0, s0, 1
    xor t1, t1, s0
    shli t2, t1, 3
    add t1, t1, t2
    andi t1, t1, 0x7fff
    j loop
tick:
    csrr t3, timecmp
    addi t3, t3, 10000
    csrw timecmp, t3
    sret
`;

/**
 * Sets the timer to interrupt every 10 000 ticks and enables it; `tick` takes the interrupt and
 * sets the next deadline. Uses a1 only, which the kernel loops below leave alone.
 */
const TIMER = `
.memsize 65536
.entry start
.org 0x1000
start:
    la a1, tick
    csrw tvec, a1
    li a1, 1
    csrw imask, a1
    csrr a1, time
    addi a1, a1, 10000
    csrw timecmp, a1
    li a1, 3                ; KERNEL | IE
    csrw status, a1
    j kernel
tick:
    csrr a1, timecmp
    addi a1, a1, 10000
    csrw timecmp, a1
    sret
`;

/** programs/bench/sieve.s's passes over n = 30 000, for ever, in kernel mode with the timer. */
const SIEVE_GUEST = `${TIMER}
kernel:
    li s0, 30000            ; s0 = n
    li s1, 0x4000           ; s1 = the sieve
    li s3, 0x4000 + 30000   ; s3 = its end
forever:
    li a3, 1000
.include "lib/sieve-passes.s"
    j forever
`;

/** programs/bench/fib.s's recursion, fib(20) for ever, in kernel mode with the timer. */
const FIB_GUEST = `.include "../lib/macros.s"
${TIMER}
kernel:
    li sp, 0xf000
forever:
    li a0, 20
    call fib
    j forever
.include "lib/fib-function.s"
`;

/** A user loop that makes a system call every 12 instructions; the kernel returns past it. */
const SYSCALL_GUEST = `
.memsize 65536
.entry start
.org 0x1000
start:
    la t0, trap
    csrw tvec, t0
    la t0, user
    csrw epc, t0
    sret                    ; status = KERNEL, PKERNEL clear: to user mode
trap:
    csrr t3, epc
    addi t3, t3, 4
    csrw epc, t3
    sret
user:
    li s1, 8
work:
    addi s0, s0, 1
    xor t1, t1, s0
    addi s1, s1, -1
    bnez s1, work
    sys
    j user
`;

export interface OverheadFigure {
  guest: string;
  ticks: number;
  bareMs: number;
  monitorMs: number;
  /** monitorMs / bareMs */
  ratio: number;
  target: number;
  /** Share of instructions the CPU ran directly under the monitor. */
  directShare: number;
}

export interface DensityFigure {
  vms: number;
  guestRamBytes: number;
  /** Host heap and buffers per VM beyond its guest RAM. */
  overheadBytesPerVm: number;
  bootMsPerVm: number;
}

export interface ColdBootFigure {
  guest: string;
  /** Milliseconds from spawn to the first console line, or null when it did not get there. */
  firstLineMs: number | null;
  note?: string;
}

/** `file` names the source for messages; includes are looked up beside programs/bench's kernels. */
function image(source: string, file: string): GuestImage {
  return assembleText(source, join(packageRoot(), "programs", "bench", file)).image;
}

function timeRun(
  make: (o: BootOptions) => Machine,
  guest: GuestImage,
  ticks: number,
): { ms: number; machine: Machine } {
  const machine = make({ name: "bench", image: guest });
  const start = process.hrtime.bigint();
  machine.run(ticks);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, machine };
}

/** Best of `rounds` alternating runs, bare and monitor side by side. */
export function measureOverhead(
  name: string,
  guest: GuestImage,
  ticks: number,
  target: number,
  rounds = 5,
): OverheadFigure {
  let bareMs = Infinity;
  let monitorMs = Infinity;
  let directShare = 0;
  timeRun(createBareMachine, guest, ticks / 10); // warm up both paths
  timeRun(createVm, guest, ticks / 10);
  for (let i = 0; i < rounds; i++) {
    bareMs = Math.min(bareMs, timeRun(createBareMachine, guest, ticks).ms);
    const monitor = timeRun(createVm, guest, ticks);
    monitorMs = Math.min(monitorMs, monitor.ms);
    directShare = monitor.machine.stats.snapshot().directShare;
  }
  return { guest: name, ticks, bareMs, monitorMs, ratio: monitorMs / bareMs, target, directShare };
}

export function benchOverhead(ticks = 100_000_000): OverheadFigure[] {
  return [
    measureOverhead("compute-bound", image(COMPUTE_GUEST, "compute.s"), ticks, 1.15),
    measureOverhead("sieve", image(SIEVE_GUEST, "monitor-sieve.s"), ticks / 2, 1.1),
    measureOverhead("fib", image(FIB_GUEST, "monitor-fib.s"), ticks / 2, 1.1),
    measureOverhead("syscall-heavy", image(SYSCALL_GUEST, "syscall.s"), ticks / 4, 2),
  ];
}

/** Boots `count` small VMs (each runs a few thousand ticks) and weighs them. */
export function benchDensity(count = 1000): DensityFigure {
  const guest = image(SYSCALL_GUEST, "syscall.s");
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const start = process.hrtime.bigint();
  const vms: Machine[] = [];
  for (let i = 0; i < count; i++) {
    const vm = createVm({ name: `vm${i}`, image: guest });
    vm.run(5000);
    vms.push(vm);
  }
  const bootMs = Number(process.hrtime.bigint() - start) / 1e6;
  gc?.();
  const after = process.memoryUsage();
  const used = after.heapUsed + after.external - (before.heapUsed + before.external);
  const guestRam = vms[0]!.memory.size;
  return {
    vms: vms.length,
    guestRamBytes: guestRam,
    overheadBytesPerVm: Math.round(used / count - guestRam),
    bootMsPerVm: bootMs / count,
  };
}

/** Spawns the installed program's `toyvmm boot GUEST` and times it to its first console line. */
export function benchColdBoot(guest = "solo", timeoutMs = 20_000, env: NodeJS.ProcessEnv = process.env): Promise<ColdBootFigure> {
  const main = installedProgram();
  if (!existsSync(main))
    return Promise.resolve({ guest, firstLineMs: null, note: `${main} not built (npm run build)` });
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [main, "boot", guest], { stdio: ["ignore", "pipe", "pipe"], env });
    let settled = false;
    let stderr = "";
    const done = (figure: ColdBootFigure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill();
      resolve(figure);
    };
    const timer = setTimeout(() => done({ guest, firstLineMs: null, note: "timed out" }), timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.includes(10)) done({ guest, firstLineMs: Number(process.hrtime.bigint() - start) / 1e6 });
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) =>
      done({ guest, firstLineMs: null, note: `exited ${code} before a line: ${stderr.trim().split("\n")[0] ?? ""}` }),
    );
  });
}

export interface MonitorBenchReport {
  overhead: OverheadFigure[];
  density: DensityFigure;
  coldBoot: ColdBootFigure;
}

export async function benchMonitor(): Promise<MonitorBenchReport> {
  return { overhead: benchOverhead(), density: benchDensity(), coldBoot: await benchColdBoot() };
}

export function formatMonitorReport(r: MonitorBenchReport): string {
  const lines = ["monitor overhead (time under the monitor / time bare, best of 5):"];
  for (const o of r.overhead) {
    const verdict = o.ratio <= o.target ? "ok" : "OVER TARGET";
    lines.push(
      `  ${o.guest.padEnd(14)} ${o.ticks} ticks  bare ${o.bareMs.toFixed(1)} ms  monitor ${o.monitorMs.toFixed(1)} ms  ` +
        `${o.ratio.toFixed(2)}x (target ${o.target}x, ${verdict})  direct ${(o.directShare * 100).toFixed(2)}%`,
    );
  }
  const d = r.density;
  lines.push(
    `density: ${d.vms} VMs of ${d.guestRamBytes / 1024} KiB: ${(d.overheadBytesPerVm / 1024).toFixed(1)} KiB host memory per VM beyond guest RAM, ${d.bootMsPerVm.toFixed(3)} ms to boot each`,
  );
  const c = r.coldBoot;
  lines.push(
    `cold boot: toyvmm boot ${c.guest} to its first console line: ${c.firstLineMs === null ? `n/a (${c.note})` : `${c.firstLineMs.toFixed(0)} ms`}`,
  );
  return lines.join("\n") + "\n";
}

/**
 * What a user sees: the four CPU kernels (programs/bench/*.s) each run as a whole
 * `toyvmm run` process of the installed program (package.json's bin), beside the same algorithm in plain JavaScript in its own process
 * (plain-kernels.ts, warmed on a small input first), and `toyvmm boot solo` to its first
 * console line beside Node's own start (cold-start.ts). Process start-up counts on both
 * sides, as it does for a user.
 *
 * Rounds take every measurement once, each round starting one further along, so no side
 * always runs first; figures are medians over rounds, and the ratio is the median of the
 * per-round ratios (both sides measured moments apart on a shared, noisy machine). The toy
 * run reports its ticks (--json); the plain side is credited with the same instruction count.
 * Both must print the same line, so neither can skip work.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assembleFile } from "../../isa/asm/index.js";
import { encodeImage } from "../../isa/image/format.js";
import { coldStartFigure, coldStartJobs, formatColdStart, type ColdStartFigure } from "./cold-start.js";
import { installedProgram, packageRoot } from "./package-root.js";
import { median } from "./statistics.js";

export interface Kernel {
  id: string;
  label: string;
  /** Boot arguments at scale 1 (programs/bench/<id>.s, plain-kernels.ts <id>). */
  args: (scale: number) => Record<string, number>;
}

/** Sizes: about a second of toyvmm each before this work; the sieve is 500k ×40, not ×800. */
export const KERNELS: readonly Kernel[] = [
  { id: "alu", label: "ALU loop", args: (s) => ({ n: Math.max(1, Math.round(100_000_000 * s)) }) },
  { id: "sieve", label: "sieve of Eratosthenes 500k", args: (s) => ({ n: 500_000, reps: Math.max(1, Math.round(40 * s)) }) },
  { id: "fib", label: "recursive fib", args: (s) => ({ n: Math.max(20, Math.min(40, Math.round(35 + Math.log(s) / Math.log(1.618)))) }) },
  { id: "sumcopy", label: "sum+copy over 1 MiB", args: (s) => ({ passes: Math.max(1, Math.round(100 * s)) }) },
];

export interface KernelFigure {
  id: string;
  label: string;
  args: string;
  /** Guest instructions (ticks) of the toy run. */
  instructions: number;
  toyvmmMs: number;
  plainMs: number;
  /** Instructions per second, the plain side credited with the toy's count. */
  toyvmmGips: number;
  plainGips: number;
  /** Median over rounds of plainMs / toyvmmMs: toyvmm's speed as a share of plain JS's. */
  ratio: number;
  toyvmmSamples: number[];
  plainSamples: number[];
}

export interface KernelReport {
  rounds: number;
  scale: number;
  kernels: KernelFigure[];
  coldBoot: ColdStartFigure;
}

interface ProcessRun {
  ms: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

const TIMEOUT_MS = 120_000;

function runProcess(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, stdout, stderr, code });
    });
  });
}

const argText = (args: Record<string, number>) =>
  Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");

export async function benchKernels(rounds: number, scale = 1, env: NodeJS.ProcessEnv = process.env): Promise<KernelReport> {
  const root = packageRoot();
  const cli = installedProgram();
  const plain = join(root, "dist", "vmm", "bench", "plain-kernels.js");
  const dir = mkdtempSync(join(tmpdir(), "toyvmm-bench-"));
  try {
    const images = new Map<string, string>();
    for (const k of KERNELS) {
      const file = join(dir, `${k.id}.tvm`);
      writeFileSync(file, encodeImage(assembleFile(join(root, "programs", "bench", `${k.id}.s`)).image));
      images.set(k.id, file);
    }
    type Job = { key: string; run: () => Promise<number | null> };
    const samples = new Map<string, (number | null)[]>();
    const ticks = new Map<string, number>();
    const jobs: Job[] = [];
    for (const k of KERNELS) {
      const text = argText(k.args(scale));
      let toyOut: string | undefined;
      let plainOut: string | undefined;
      const agree = () => {
        if (toyOut !== undefined && plainOut !== undefined && toyOut !== plainOut) {
          throw new Error(`bench ${k.id}: toyvmm printed ${JSON.stringify(toyOut)}, plain JS ${JSON.stringify(plainOut)}`);
        }
      };
      jobs.push({
        key: `${k.id}:toyvmm`,
        run: async () => {
          const r = await runProcess([cli, "run", images.get(k.id)!, "--args", text, "--json"], env);
          const report = JSON.parse(r.stderr.trim().split("\n").pop() ?? "{}") as { ticks?: number; exitStatus?: number };
          if (r.code !== 0 || report.exitStatus !== 0 || report.ticks === undefined) {
            throw new Error(`bench ${k.id}: toyvmm run exited ${r.code}: ${r.stderr.trim().split("\n")[0]}`);
          }
          ticks.set(k.id, report.ticks);
          toyOut = r.stdout;
          agree();
          return r.ms;
        },
      });
      jobs.push({
        key: `${k.id}:plain`,
        run: async () => {
          const r = await runProcess([plain, k.id, ...text.split(" ")], env);
          if (r.code !== 0) throw new Error(`bench ${k.id}: plain JS exited ${r.code}: ${r.stderr.trim()}`);
          plainOut = r.stdout;
          agree();
          return r.ms;
        },
      });
    }
    jobs.push(...coldStartJobs(env));
    for (const job of jobs) samples.set(job.key, []);
    for (let round = 0; round < rounds; round++) {
      for (let j = 0; j < jobs.length; j++) {
        const job = jobs[(j + round) % jobs.length]!;
        samples.get(job.key)!.push(await job.run());
      }
    }
    const kernels = KERNELS.map((k): KernelFigure => {
      const toy = samples.get(`${k.id}:toyvmm`)! as number[];
      const js = samples.get(`${k.id}:plain`)! as number[];
      const instructions = ticks.get(k.id)!;
      return {
        id: k.id,
        label: k.label,
        args: argText(k.args(scale)),
        instructions,
        toyvmmMs: median(toy),
        plainMs: median(js),
        toyvmmGips: instructions / median(toy) / 1e6,
        plainGips: instructions / median(js) / 1e6,
        ratio: median(toy.map((t, i) => js[i]! / t)),
        toyvmmSamples: toy,
        plainSamples: js,
      };
    });
    return { rounds, scale, kernels, coldBoot: coldStartFigure(samples.get("boot")!, samples.get("node")!) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The goal: every kernel at half the speed of plain JS or better, as a whole process. */
export const KERNEL_TARGET = 0.5;

export function formatKernelReport(r: KernelReport): string {
  const lines = [
    `whole processes (toyvmm run vs plain JavaScript, each its own process), median of ${r.rounds} rounds${r.scale !== 1 ? `, scale ${r.scale}` : ""}:`,
    "",
    "| kernel | args | instructions | toyvmm ms | plain JS ms | toyvmm G instr/s | plain JS G instr/s | toyvmm / plain JS |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const k of r.kernels) {
    lines.push(
      `| ${k.label} | ${k.args} | ${k.instructions} | ${k.toyvmmMs.toFixed(0)} | ${k.plainMs.toFixed(0)} | ` +
        `${k.toyvmmGips.toFixed(2)} | ${k.plainGips.toFixed(2)} | ${k.ratio.toFixed(2)}${k.ratio >= KERNEL_TARGET ? "" : ` (target ${KERNEL_TARGET})`} |`,
    );
  }
  lines.push("", formatColdStart(r.coldBoot));
  return lines.join("\n") + "\n";
}

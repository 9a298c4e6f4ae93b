/**
 * The CPU benchmark's kernels (programs/bench/*.s) written directly in JavaScript, one process
 * per run, for `npm run bench` to time as whole processes beside `toyvmm run`. Each prints what
 * its toy program prints, so the bench checks both did the same work. Warm: each kernel runs
 * once on a small input before the measured one, as V8 would have it after a first call.
 *
 *   node dist/vmm/bench/plain-kernels.js KERNEL [key=value ...]
 */
import { fileURLToPath } from "node:url";
import { aluPlain } from "./reference.js";

const hex = (x: number) => `0x${(x >>> 0).toString(16).padStart(8, "0")}`;

export function alu(n: number): string {
  const [t0, t1] = aluPlain(n, 1, 0x9e3779b9 | 0);
  return `alu n=${n}: ${hex(t0)} ${hex(t1)}\n`;
}

function fibRec(n: number): number {
  return n < 2 ? n : (fibRec(n - 1) + fibRec(n - 2)) | 0;
}

export function fib(n: number): string {
  return `fib(${n}) = ${fibRec(n) >>> 0}\n`;
}

export function sieve(n: number, reps: number): string {
  const words = new Int32Array((n + 3) >>> 2);
  const bytes = new Uint8Array(words.buffer);
  let primes = 0;
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < words.length; i++) words[i] = 0;
    for (let p = 2; p * p < n; p++) {
      if (bytes[p] !== 0) continue;
      for (let m = p * p; m < n; m += p) bytes[m] = 1;
    }
    primes = 0;
    for (let i = 2; i < n; i++) if (bytes[i] === 0) primes++;
  }
  return `sieve n=${n} reps=${reps}: ${primes} primes\n`;
}

const WORDS = 0x40000;

export function sumcopy(passes: number): string {
  const memory = new Int32Array(2 * WORDS);
  let x = 0x12345678;
  for (let i = 0; i < WORDS; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    memory[i] = x;
  }
  let sum = 0;
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < WORDS; i++) {
      const v = memory[i]!;
      sum = (sum + v) | 0;
      memory[WORDS + i] = v;
    }
  }
  return `sumcopy passes=${passes}: ${hex(sum)}\n`;
}

type Args = Record<string, number>;

/** Each kernel by name: the run, and the small input that warms it first. */
export const PLAIN_KERNELS: Readonly<Record<string, { run: (a: Args) => string; warm: Args }>> = {
  alu: { run: (a) => alu(a.n ?? 1000), warm: { n: 1000 } },
  fib: { run: (a) => fib(a.n ?? 20), warm: { n: 15 } },
  sieve: { run: (a) => sieve(a.n ?? 1000, a.reps ?? 1), warm: { n: 1000, reps: 1 } },
  sumcopy: { run: (a) => sumcopy(a.passes ?? 1), warm: { passes: 1 } },
};

function main(argv: string[]): number {
  const [name, ...pairs] = argv;
  const kernel = name === undefined ? undefined : PLAIN_KERNELS[name];
  if (kernel === undefined) {
    process.stderr.write(`usage: plain-kernels.js ${Object.keys(PLAIN_KERNELS).join("|")} [key=value ...]\n`);
    return 2;
  }
  const args: Args = {};
  for (const pair of pairs) {
    const [key, value] = pair.split("=");
    const n = Number(value);
    if (key === undefined || !Number.isInteger(n)) {
      process.stderr.write(`plain-kernels.js: '${pair}' is not key=integer\n`);
      return 2;
    }
    args[key] = n;
  }
  kernel.run(kernel.warm);
  process.stdout.write(kernel.run(args));
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));

/**
 * The benchmark's workloads. Each one, prepared at a scale, runs its loop once (timed) and
 * then checks its result against the plain-JavaScript answer, so no side can skip work.
 */
import { Memory } from "../../isa/memory.js";
import {
  ALU_LOOP,
  ALU_PER_ITERATION,
  ALU_SEED,
  DST,
  MEM_LOOP,
  MEM_WORDS,
  MEMORY_SIZE,
  S0,
  S1,
  S2,
  SRC,
  T0,
  T1,
  fillSource,
  guestMachine,
  memInstructions,
  runToHalt,
} from "./programs.js";
import { aluPlain, interpretMinimal, memPlain } from "./reference.js";

export interface Prepared {
  /** Guest instructions the run retires (or, for plain JS, the equivalent count). */
  instructions: number;
  run(): void;
  /** Throws when the result is wrong. */
  verify(): void;
}

export interface Workload {
  id: string;
  label: string;
  /** Loop kind, for ratios: "alu" or "mem". */
  kind: "alu" | "mem";
  side: "full" | "full-paged" | "full-jit" | "full-jit-paged" | "minimal" | "plain";
  /** Scale to start calibration from (ALU iterations or memory passes). */
  baseScale: number;
  prepare(scale: number): Prepared;
}

function check(what: string, got: unknown, want: unknown): void {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`benchmark ${what}: result ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
}

const aluExpected = new Map<number, [number, number]>();
function expectedAlu(iterations: number): [number, number] {
  let r = aluExpected.get(iterations);
  if (!r) aluExpected.set(iterations, (r = aluPlain(iterations, ALU_SEED[0], ALU_SEED[1])));
  return r;
}

let sourceSum: number | undefined;
function expectedMemSum(passes: number): number {
  if (sourceSum === undefined) {
    const words = new Int32Array(MEM_WORDS);
    fillSource(words, 0);
    sourceSum = words.reduce((a, b) => (a + b) | 0, 0);
  }
  return Math.imul(sourceSum, passes);
}

function cpuAlu(paged: boolean, jit: boolean): Workload["prepare"] {
  return (iterations) => {
    const { cpu } = guestMachine(ALU_LOOP, paged, jit);
    cpu.regs[T0] = ALU_SEED[0];
    cpu.regs[T1] = ALU_SEED[1];
    cpu.regs[S0] = iterations;
    return {
      instructions: iterations * ALU_PER_ITERATION + 1,
      run: () => runToHalt(cpu),
      verify: () => {
        check("full CPU ALU", [cpu.regs[T0], cpu.regs[T1]], expectedAlu(iterations));
        check("full CPU ALU ticks", cpu.ticks, iterations * ALU_PER_ITERATION + 1);
      },
    };
  };
}

function cpuMem(paged: boolean, jit: boolean): Workload["prepare"] {
  return (passes) => {
    const { cpu, memory } = guestMachine(MEM_LOOP, paged, jit);
    fillSource(memory.words, SRC >>> 2);
    cpu.regs[S2] = passes;
    return {
      instructions: memInstructions(passes),
      run: () => runToHalt(cpu),
      verify: () => {
        check("full CPU memory loop", cpu.regs[S1], expectedMemSum(passes));
        check("full CPU memory ticks", cpu.ticks, memInstructions(passes));
        check("copy", memory.words[(DST >>> 2) + MEM_WORDS - 1], memory.words[(SRC >>> 2) + MEM_WORDS - 1]);
      },
    };
  };
}

export const WORKLOADS: readonly Workload[] = [
  {
    id: "alu-full",
    label: "full CPU, interpreter, ALU loop, kernel, paging off",
    kind: "alu",
    side: "full",
    baseScale: 50_000,
    prepare: cpuAlu(false, false),
  },
  {
    id: "alu-paged",
    label: "full CPU, interpreter, ALU loop, user, paging on",
    kind: "alu",
    side: "full-paged",
    baseScale: 50_000,
    prepare: cpuAlu(true, false),
  },
  {
    id: "alu-jit",
    label: "full CPU, JIT, ALU loop, kernel, paging off",
    kind: "alu",
    side: "full-jit",
    baseScale: 500_000,
    prepare: cpuAlu(false, true),
  },
  {
    id: "alu-jit-paged",
    label: "full CPU, JIT, ALU loop, user, paging on",
    kind: "alu",
    side: "full-jit-paged",
    baseScale: 500_000,
    prepare: cpuAlu(true, true),
  },
  {
    id: "alu-minimal",
    label: "minimal switch interpreter, ALU loop",
    kind: "alu",
    side: "minimal",
    baseScale: 50_000,
    prepare: (iterations) => {
      const memory = new Int32Array(1024);
      memory.set(ALU_LOOP);
      const regs = new Int32Array(16);
      let retired = 0;
      return {
        instructions: iterations * ALU_PER_ITERATION + 1,
        run: () => {
          regs.fill(0);
          regs[T0] = ALU_SEED[0];
          regs[T1] = ALU_SEED[1];
          regs[S0] = iterations;
          retired = interpretMinimal(memory, regs, 0);
        },
        verify: () => {
          check("minimal ALU", [regs[T0], regs[T1]], expectedAlu(iterations));
          check("minimal ALU count", retired, iterations * ALU_PER_ITERATION + 1);
        },
      };
    },
  },
  {
    id: "alu-plain",
    label: "plain JavaScript, same arithmetic",
    kind: "alu",
    side: "plain",
    baseScale: 500_000,
    prepare: (iterations) => {
      let result: [number, number] = [0, 0];
      return {
        instructions: iterations * ALU_PER_ITERATION + 1,
        run: () => (result = aluPlain(iterations, ALU_SEED[0], ALU_SEED[1])),
        verify: () => check("plain ALU", result, expectedAlu(iterations)),
      };
    },
  },
  {
    id: "mem-full",
    label: "full CPU, interpreter, sum+copy 1 MiB, kernel, paging off",
    kind: "mem",
    side: "full",
    baseScale: 1,
    prepare: cpuMem(false, false),
  },
  {
    id: "mem-paged",
    label: "full CPU, interpreter, sum+copy 1 MiB, user, paging on",
    kind: "mem",
    side: "full-paged",
    baseScale: 1,
    prepare: cpuMem(true, false),
  },
  {
    id: "mem-jit",
    label: "full CPU, JIT, sum+copy 1 MiB, kernel, paging off",
    kind: "mem",
    side: "full-jit",
    baseScale: 1,
    prepare: cpuMem(false, true),
  },
  {
    id: "mem-jit-paged",
    label: "full CPU, JIT, sum+copy 1 MiB, user, paging on",
    kind: "mem",
    side: "full-jit-paged",
    baseScale: 1,
    prepare: cpuMem(true, true),
  },
  {
    id: "mem-minimal",
    label: "minimal switch interpreter, sum+copy",
    kind: "mem",
    side: "minimal",
    baseScale: 1,
    prepare: (passes) => {
      const memory = new Int32Array(MEMORY_SIZE >>> 2);
      memory.set(MEM_LOOP);
      fillSource(memory, SRC >>> 2);
      const regs = new Int32Array(16);
      return {
        instructions: memInstructions(passes),
        run: () => {
          regs.fill(0);
          regs[S2] = passes;
          interpretMinimal(memory, regs, 0);
        },
        verify: () => check("minimal memory loop", regs[S1], expectedMemSum(passes)),
      };
    },
  },
  {
    id: "mem-plain",
    label: "plain JavaScript, sum+copy",
    kind: "mem",
    side: "plain",
    baseScale: 4,
    prepare: (passes) => {
      const memory = new Memory(MEMORY_SIZE);
      fillSource(memory.words, SRC >>> 2);
      let sum = 0;
      return {
        instructions: memInstructions(passes),
        run: () => (sum = memPlain(memory.words, SRC >>> 2, DST >>> 2, MEM_WORDS, passes)),
        verify: () => check("plain memory loop", sum, expectedMemSum(passes)),
      };
    },
  },
];

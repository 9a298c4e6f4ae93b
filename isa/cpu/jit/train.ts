/**
 * Training a new region before it runs. V8 optimizes a function on the type feedback of the
 * code that has run, and where an operation has none it compiles a bailout: the first time the
 * guest reaches a block that had not run yet (the sieve's counting loop after its first pass,
 * the code after a loop), the optimized region was thrown away ("Insufficient type feedback")
 * and ran interpreted until V8 had compiled it again, tens of milliseconds each time. So each
 * block of a new region runs, before the guest's first entry, on a scratch machine of its own:
 * one page of memory that every virtual address near 0 maps to, registers and memory first all
 * 0 (small addresses, small values), then small values that differ from register to register
 * (so a structured loop, entered only at its header, runs its body both ways round its
 * branches), and last all -8 (values whose unsigned view is no small integer, as `bltu` and
 * `divu` see); each call may run twice the region's length. V8 gives a function somewhere to
 * record feedback only after it has run a while, so the blocks run over and over,
 * TRAINING_CALLS calls in all (with fewer, the bench's kernels still deoptimized). The guest's machine is never touched, so
 * results cannot change.
 */
import { PAGE_SHIFT, PAGE_SIZE, REGISTER_COUNT } from "../../arch.js";
import type { Cpu } from "../cpu.js";
import { TLB_SIZE } from "../mmu.js";
import type { Block } from "./block.js";
import { returnPoints } from "./codegen.js";
import type { RegionBlock } from "./region.js";

/** Calls of the region a training makes, at least: V8 records no feedback for the first ones. */
const TRAINING_CALLS = 256;
/** The mode bit the training runs under (tags below are kernel ones). */
const K = 1;

let machine: Cpu | null = null;
const regs = new Int32Array(REGISTER_COUNT);

/**
 * The scratch machine, a `Cpu` like the guests' so the region's property loads see one shape:
 * its TLB maps the 2 MiB either side of address 0 to its one physical page.
 */
function scratch(make: (size: number) => Cpu): Cpu {
  if (machine !== null) return machine;
  machine = make(PAGE_SIZE);
  const { readTag, writeTag, frame } = machine.mmu;
  for (let slot = 0; slot < TLB_SIZE; slot++) {
    const vpn = slot < TLB_SIZE / 2 ? slot : (1 << (32 - PAGE_SHIFT)) - TLB_SIZE + slot;
    readTag[slot] = writeTag[slot] = (vpn << 1) | K;
    frame[slot] = 0;
  }
  return machine;
}

/**
 * What register `r` holds in training round `round` of `rounds`: 0 in the first, -8 in the
 * last, and in between small values that differ from register to register, so that branches
 * comparing registers go both ways and the structured loops (codegen.ts, entered only at their
 * header) run their bodies. All stay near 0, where the scratch machine's memory is.
 */
function trainingValue(r: number, round: number, rounds: number, returns: readonly number[]): number {
  if (round === 0) return 0;
  if (round === rounds - 1) return -8;
  // Every third round, return addresses, so a `jalr` takes its predicted returns (codegen.ts).
  if (round % 3 === 2 && returns.length > 0) return 4 * returns[(r + round) % returns.length]!;
  return ((r * 5 + round * 3) % 11) - 3;
}

/** Instructions one training call may run: enough to go round a loop of the region a few times. */
const TRAINING_BUDGET_MAX = 4096;

/** Runs the region's blocks on the scratch machine (`make` builds it, once per process). */
export function train(region: Block, blocks: readonly RegionBlock[], make: (size: number) => Cpu): void {
  const cpu = scratch(make);
  const rounds = Math.max(4, Math.ceil(TRAINING_CALLS / Math.max(1, blocks.length)));
  const size = blocks.reduce((a, b) => a + b.steps.length, 0);
  const budget = Math.min(TRAINING_BUDGET_MAX, 2 * size);
  const returns = returnPoints(blocks);
  for (let round = 0; round < rounds; round++) {
    // Bytes 0 or 1 (taken and not taken for a test of a byte), all -8 last.
    cpu.memory.words.fill(round === rounds - 1 ? -8 : round % 2 === 0 ? 0 : 0x01010101);
    for (const b of blocks) {
      for (let r = 1; r < REGISTER_COUNT; r++) regs[r] = trainingValue(r, round, rounds, returns);
      regs[0] = 0;
      region(cpu, regs, b.start << 2, budget, K);
    }
  }
}

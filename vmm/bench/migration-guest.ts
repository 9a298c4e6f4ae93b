/**
 * The migration benchmarks' guest: programs/memwriter.s in a 64 MiB process VM whose working
 * set covers nearly all of memory, run through its first sweep before the bench starts so
 * every page of the set holds data (a zero page would travel as a marker, not as its bytes).
 * Booting it twice gives the same VM at the same tick: the simulated engine gets a twin of
 * what the real driver moves.
 */
import { fileURLToPath } from "node:url";
import { PAGE_SIZE } from "../../isa/arch.js";
import { assembleFile } from "../../isa/asm/index.js";
import type { GuestImage } from "../../isa/image/model.js";
import { startProcess } from "../migration/process-vm.js";
import type { MigratableVm } from "../migration/vm-port.js";

/** 64 MiB: the real-TCP rows move it over loopback several times. */
export const GUEST_MEMORY = 64 << 20;
/** All of memory but what the program, its stack and its allocator keep. */
export const WORKING_SET_PAGES = GUEST_MEMORY / PAGE_SIZE - 256;
/** Page writes per million guest instructions: one every 50. */
export const WRITE_RATE = 20_000;
/** Guest instructions per wall-clock second on both hosts (the tests' speed). */
export const GUEST_SPEED = 2_000_000;

/** The memwriter's boot arguments. */
export const MEMWRITER_ARGS = `pages=${WORKING_SET_PAGES} rate=${WRITE_RATE} iters=0`;
/** Ticks until every page of the working set has been written once. */
export const FIRST_SWEEP_TICKS = Math.ceil((WORKING_SET_PAGES * 1_000_000) / WRITE_RATE) + 100_000;

/** programs/memwriter.s, for the host processes to assemble. */
export const MEMWRITER_PATH = fileURLToPath(new URL("../../../programs/memwriter.s", import.meta.url));

let image: GuestImage | null = null;

/** A fresh memwriter past its first sweep: every page of the working set written once. */
export function bootMemwriter(): MigratableVm {
  image ??= assembleFile(MEMWRITER_PATH).image;
  const vm = startProcess({ name: "memwriter", image, args: MEMWRITER_ARGS, memorySize: GUEST_MEMORY });
  while (vm.ticks < FIRST_SWEEP_TICKS) {
    const exit = vm.run(FIRST_SWEEP_TICKS - vm.ticks);
    if (exit.reason !== "budget")
      throw new Error(`memwriter stopped before its first sweep ended (${exit.reason}): ${vm.output}`);
  }
  return vm;
}

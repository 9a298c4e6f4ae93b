/**
 * The simulated engine on a 1 GiB guest: programs/memwriter.s with a working set of nearly all
 * of memory, past its first sweep (so every page holds data and travels as its bytes), migrated
 * with each strategy on a 2 GB/s simulated link. Reports the wall seconds one simulated
 * migration takes, the pages it sent and the wall ns per page sent (the engine's encode, CRC,
 * copy and decode, plus the guest's own run during the migration), and checks the memory where
 * the guest then runs. Called by `npm run bench`; `node dist/vmm/bench/gigabyte.js` alone.
 */
import { fileURLToPath } from "node:url";
import { MAX_MEMORY, PAGE_SIZE } from "../../isa/arch.js";
import { assembleFile } from "../../isa/asm/index.js";
import { checkAfterMigration } from "../experiment/check.js";
import { migrate } from "../migration/engine.js";
import { ANY_HOST } from "../migration/index.js";
import { startProcess } from "../migration/process-vm.js";
import type { Strategy } from "../migration/stream/frames.js";

export const GIGABYTE_MEMORY = MAX_MEMORY;
const WORKING_SET = GIGABYTE_MEMORY / PAGE_SIZE - 256;
/** One page write every 500 instructions: 2·10^5 pages/s at 10^8 instructions/s, 40% of the link. */
const RATE = 2000;
const BANDWIDTH = 2_000_000_000;
const AT = 600 + (WORKING_SET * 1_000_000) / RATE + 1000;

export interface GigabyteFigure {
  strategy: Strategy;
  wallSeconds: number;
  pagesSent: number;
  nsPerPage: number;
  rounds: number;
  downtimeMs: number;
  totalMs: number;
  memcheck: string | null;
}

export function benchGigabyte(strategies: Strategy[] = ["stop-copy", "pre-copy", "post-copy"]): GigabyteFigure[] {
  const image = assembleFile(fileURLToPath(new URL("../../../programs/memwriter.s", import.meta.url))).image;
  return strategies.map((strategy) => {
    const vm = startProcess({ name: "memwriter", image, args: `pages=${WORKING_SET} rate=${RATE} iters=0`, memorySize: GIGABYTE_MEMORY });
    while (vm.ticks < AT) {
      const exit = vm.run(AT - vm.ticks);
      if (exit.reason !== "budget") throw new Error(`memwriter stopped before its first sweep ended (${exit.reason})`);
    }
    const start = performance.now();
    const result = migrate(vm, { strategy, host: ANY_HOST, bandwidth: BANDWIDTH, latencyNs: 100_000, downtimeTargetNs: 5_000_000 });
    const wallSeconds = (performance.now() - start) / 1000;
    const s = result.stats;
    if (s.status !== "completed") throw new Error(`${strategy} of a 1 GiB guest: ${s.status}: ${s.error}`);
    const memcheck = checkAfterMigration(image, result.vm);
    result.vm.destroy();
    return {
      strategy,
      wallSeconds,
      pagesSent: s.pagesSent,
      nsPerPage: (wallSeconds * 1e9) / s.pagesSent,
      rounds: s.rounds.length,
      downtimeMs: s.downtimeNs / 1e6,
      totalMs: s.totalNs / 1e6,
      memcheck,
    };
  });
}

export function formatGigabyteReport(figures: GigabyteFigure[]): string {
  const lines = [`simulated migration of a 1 GiB memwriter (${WORKING_SET} pages written, one every ${1e6 / RATE} instructions, ${BANDWIDTH / 1e9} GB/s):`];
  for (const f of figures) {
    lines.push(
      `  ${f.strategy.padEnd(9)}  ${f.wallSeconds.toFixed(2)} s wall  ${f.pagesSent} pages  ${f.nsPerPage.toFixed(0)} ns/page  ` +
        `${f.rounds} rounds  downtime ${f.downtimeMs.toFixed(1)} ms  total ${f.totalMs.toFixed(0)} ms (virtual)  memcheck ${f.memcheck ?? "-"}`,
    );
  }
  return lines.join("\n") + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.stdout.write(formatGigabyteReport(benchGigabyte()));

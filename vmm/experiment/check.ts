/**
 * After each migration: is the guest's memory, where the guest now runs, a state a real run
 * could be in? For programs/memwriter.s (found by its symbols ws_base and ws_pages) this is
 * vmm/process/memcheck.ts's invariant — neighbour-consistent per-page counters — so a lost,
 * stale or torn page fails the row. Other guests have nothing to check.
 */
import type { GuestImage } from "../../isa/image/model.js";
import type { MigratableVm } from "../migration/vm-port.js";
import { memcheck, memwriterWorkingSet } from "../process/memcheck.js";

/**
 * "ok", "failed: <problem>", or null when there is nothing to check: not memwriter, its
 * working set not allocated yet, or pages still missing (a post-copy left paused).
 * `vm` is the migration's result VM: the destination after a completed or paused migration
 * (for stop-copy and pre-copy at switch-over, before it ran; for post-copy once every page
 * arrived), the source after a failed one.
 */
export function checkAfterMigration(image: GuestImage, vm: MigratableVm): string | null {
  if (vm.memory.missingCount > 0) return null;
  const workingSet = memwriterWorkingSet(image, vm.memory);
  if (!workingSet) return null;
  const check = memcheck(vm.memory, workingSet);
  return check.ok ? "ok" : `failed: ${check.problem}`;
}

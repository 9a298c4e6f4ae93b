/** Shared by the migration tests: guests, reference runs and a migrate-then-finish driver. */
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { crc32 } from "../../isa/crc32.js";
import { UserError } from "../../isa/errors.js";
import { assembleFile } from "../../isa/asm/index.js";
import type { GuestImage } from "../../isa/image/model.js";
import type { Memory } from "../../isa/memory.js";
import { migrate, type MigrationResult } from "../../vmm/migration/engine.js";
import { ANY_HOST } from "../../vmm/migration/index.js";
import { bootVm, runToEnd } from "../../vmm/migration/machine-vm.js";
import type { MigrationOptions } from "../../vmm/migration/options.js";
import { startProcess } from "../../vmm/migration/process-vm.js";
import type { MigratableVm, VmHost } from "../../vmm/migration/vm-port.js";
import { memcheck, memwriterWorkingSet } from "../../vmm/process/memcheck.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const images = new Map<string, GuestImage>();
export function image(path: string): GuestImage {
  if (!images.has(path)) images.set(path, assembleFile(root + path).image);
  return images.get(path)!;
}

export interface Guest {
  label: string;
  path: string;
  args: string;
  /** "monitor": a guest OS under trap-and-emulate; "bare": the CPU alone; "process": the process VM. */
  vm: "monitor" | "bare" | "process";
}

export const MEMWRITER = "programs/memwriter.s";

export const GUESTS: Guest[] = [
  { label: "multi", path: "guest-os/multi/kernel.s", args: "run=count,sleeper,heap", vm: "monitor" },
  { label: "solo", path: "guest-os/solo/kernel.s", args: "prog=fib n=12", vm: "monitor" },
  { label: "solo-bare", path: "guest-os/solo/kernel.s", args: "prog=fib n=12", vm: "bare" },
  // 64 pages, one written every 50 ticks: it keeps dirtying memory through the whole migration.
  { label: "memwriter", path: MEMWRITER, args: "pages=64 rate=20000 iters=40", vm: "process" },
];
export const guest = (label: string): Guest => GUESTS.find((g) => g.label === label)!;

export function boot(g: Guest): MigratableVm {
  if (g.vm === "process") return startProcess({ name: g.label, image: image(g.path), args: g.args });
  return bootVm({ name: g.label, image: image(g.path), bootArgs: g.args, kind: g.vm });
}

export interface Outcome {
  output: string;
  ticks: number;
  memoryCrc: number;
}

const references = new Map<string, Outcome>();
export function reference(g: Guest): Outcome {
  const key = `${g.label}|${g.path}|${g.args}|${g.vm}`;
  if (!references.has(key)) {
    const vm = boot(g);
    runToEnd(vm);
    references.set(key, { output: vm.output, ticks: vm.ticks, memoryCrc: crc32(vm.memory.bytes) });
  }
  return references.get(key)!;
}

/**
 * memwriter's invariant (vmm/process/memcheck.ts) on `memory`, when the program has its
 * working set yet; a failure names the page. Returns whether there was a working set to check.
 */
export function expectMemwriterConsistent(g: Guest, memory: Memory, when: string): boolean {
  if (g.path !== MEMWRITER) return false;
  const ws = memwriterWorkingSet(image(g.path), memory);
  if (!ws) return false;
  const check = memcheck(memory, ws);
  expect(check.ok ? "consistent" : check.problem, `${g.label} ${when}`).toBe("consistent");
  return true;
}

/**
 * Boots, runs `at` ticks, migrates, runs to the end on whichever host has the VM. For
 * memwriter the working set is checked on the VM that runs the guest right after the
 * migration (for a completed stop-copy or pre-copy: the destination at switch-over, before it
 * ran; for post-copy: once every page has arrived) and again at the end (when no page is
 * missing).
 */
export function migratedRun(
  g: Guest,
  at: number,
  options: Omit<MigrationOptions, "host">,
  host: VmHost = ANY_HOST,
): { outcome: Outcome; result: MigrationResult; source: MigratableVm } {
  const source = boot(g);
  source.run(at);
  const result = migrate(source, { host, ...options });
  if (result.vm.memory.missingCount === 0) expectMemwriterConsistent(g, result.vm.memory, `after migrating at ${at}`);
  const before = source.output;
  runToEnd(result.vm);
  // (A post-copy paused for good still misses pages: nothing to check in them.)
  if (g.path === MEMWRITER && result.vm.memory.missingCount === 0) {
    expect(expectMemwriterConsistent(g, result.vm.memory, `at the end (migrated at ${at})`)).toBe(true);
  }
  const output = result.migrated ? before + result.vm.output : source.output;
  return { outcome: { output, ticks: result.vm.ticks, memoryCrc: crc32(result.vm.memory.bytes) }, result, source };
}

/** The source let the VM go: destroyed, and running it there throws. */
export function expectSourceReleased(source: MigratableVm): void {
  expect(source.destroyed).toBe(true);
  expect(() => source.run(1)).toThrow(/migrated away/);
}

/** A destination host that remembers every VM it rebuilt, to count the live copies. */
export function recordingHost(): { host: VmHost; restored: MigratableVm[] } {
  const restored: MigratableVm[] = [];
  const host: VmHost = {
    ...ANY_HOST,
    restore(name, config, state, memory) {
      const vm = ANY_HOST.restore(name, config, state, memory);
      restored.push(vm);
      return vm;
    },
  };
  return { host, restored };
}

/** The message of the UserError `f` throws (a test fails when it throws none, or another kind). */
export function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error("no error");
}

/** Shared by the migration tests: guests, reference runs and a migrate-then-finish driver. */
import { fileURLToPath } from "node:url";
import { crc32 } from "../../isa/crc32.js";
import { assembleFile } from "../../isa/asm/index.js";
import type { GuestImage } from "../../isa/image/model.js";
import { migrate, type MigrationResult } from "../../vmm/migration/engine.js";
import { bootVm, MACHINE_HOST, runToEnd, type MachineVm } from "../../vmm/migration/machine-vm.js";
import type { MigrationOptions } from "../../vmm/migration/options.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const images = new Map<string, GuestImage>();
export function image(path: string): GuestImage {
  if (!images.has(path)) images.set(path, assembleFile(root + path).image);
  return images.get(path)!;
}

export interface Guest {
  label: string;
  path: string;
  bootArgs: string;
  kind?: "monitor" | "bare";
}

export const GUESTS: Guest[] = [
  { label: "multi", path: "guest-os/multi/kernel.s", bootArgs: "run=count,sleeper,heap" },
  { label: "solo", path: "guest-os/solo/kernel.s", bootArgs: "prog=fib n=12" },
  { label: "memwriter", path: "tests/migration/guests/memwriter.s", bootArgs: "" },
  { label: "memwriter-bare", path: "tests/migration/guests/memwriter.s", bootArgs: "", kind: "bare" },
];

export function boot(guest: Guest): MachineVm {
  return bootVm({ name: guest.label, image: image(guest.path), bootArgs: guest.bootArgs, kind: guest.kind });
}

export interface Outcome {
  output: string;
  ticks: number;
  memoryCrc: number;
}

const references = new Map<string, Outcome>();
export function reference(guest: Guest): Outcome {
  const key = `${guest.label}`;
  if (!references.has(key)) {
    const vm = boot(guest);
    runToEnd(vm);
    references.set(key, { output: vm.output, ticks: vm.ticks, memoryCrc: crc32(vm.memory.bytes) });
  }
  return references.get(key)!;
}

/** Boots, runs `at` ticks, migrates, runs to the end on whichever host has the VM. */
export function migratedRun(
  guest: Guest,
  at: number,
  options: Omit<MigrationOptions, "host">,
): { outcome: Outcome; result: MigrationResult; source: MachineVm } {
  const source = boot(guest);
  source.run(at);
  const result = migrate(source, { host: MACHINE_HOST, ...options });
  const before = source.output;
  runToEnd(result.vm);
  const output = result.migrated ? before + result.vm.output : source.output;
  return { outcome: { output, ticks: result.vm.ticks, memoryCrc: crc32(result.vm.memory.bytes) }, result, source };
}

/** memwriter's invariant: every working-set page holds the final pass number. */
export function memwriterCheck(memory: { words: Int32Array }): string[] {
  const problems: string[] = [];
  for (let i = 0; i < 128; i++) {
    const value = memory.words[(0x20000 + i * 4096) >>> 2];
    if (value !== 6) problems.push(`page ${0x20 + i}: ${value}`);
  }
  return problems;
}

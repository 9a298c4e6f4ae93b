/**
 * A VM's NIC migrates with it: rings, pending events and the frames still on their way (in its
 * inbox) arrive with the VM, so a migrated run equals the unmigrated one with every strategy,
 * whenever the migration happens — before, between and after the frames arrive. Post-copy
 * also has the device wait for pages that have not arrived yet.
 */
import { describe, expect, it } from "vitest";
import { crc32 } from "../../isa/crc32.js";
import { migrate } from "../../vmm/migration/engine.js";
import { ANY_HOST } from "../../vmm/migration/index.js";
import { bootVm, runToEnd, type MachineVm } from "../../vmm/migration/machine-vm.js";
import { STRATEGIES } from "../../vmm/migration/stream/frames.js";
import { defaultMac } from "../../vmm/net/mac.js";
import { reflectorImage } from "./reflector.js";

const ARRIVALS = [40_000, 40_001, 90_000, 250_000, 250_000, 600_000];

function frame(n: number): Uint8Array {
  const f = new Uint8Array(60);
  f.set(defaultMac(0), 0);
  f.set([2, 0, 0, 0, 0, 9], 6);
  f.fill(n, 14);
  return f;
}

function booted(): MachineVm {
  const vm = bootVm({ name: "reflector", image: reflectorImage(ARRIVALS.length), nic: { mac: defaultMac(0) } });
  ARRIVALS.forEach((at, i) => vm.machine.nic!.receive(frame(i + 1), at));
  return vm;
}

const outcome = (vm: MachineVm) => ({
  output: vm.output,
  ticks: vm.ticks,
  memoryCrc: crc32(vm.memory.bytes),
  ended: vm.machine.ended,
  nic: vm.machine.nic!.counters,
});

describe("migrating a VM with a NIC", () => {
  const reference = (() => {
    const vm = booted();
    runToEnd(vm);
    return outcome(vm);
  })();

  it("the unmigrated reflector takes every frame while unplugged (they were already on their way)", () => {
    expect(reference.ended).toEqual({ kind: "halted", status: ARRIVALS.length });
    expect(reference.output).toBe("......");
    expect(reference.nic.rxFrames).toBe(ARRIVALS.length);
    expect(reference.nic.txNoLink).toBe(ARRIVALS.length);
  });

  it.each(STRATEGIES.map((s) => [s]))("%s: the same run whenever it migrates", (strategy) => {
    for (const at of [1_000, 40_000, 100_000, 300_000]) {
      const source = booted();
      source.run(at);
      const result = migrate(source, { host: ANY_HOST, strategy, bandwidth: 1e9 });
      const before = source.output; // with what it printed while pre-copy ran it
      expect(result.migrated, `${strategy} at ${at}`).toBe(true);
      const vm = result.vm as MachineVm;
      runToEnd(vm);
      expect({ ...outcome(vm), output: before + vm.output }, `${strategy} at ${at}`).toEqual(reference);
    }
  });
});

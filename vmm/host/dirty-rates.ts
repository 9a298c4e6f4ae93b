/**
 * A host's dirty-rate measurements (`calc-dirty-rate`, `query-dirty-rate`): the meter of
 * migration/dirty-rate.ts on the wall clock, one per VM at a time. dirty-bitmap drains the VM's
 * bitmap every PERIOD_MS, so it is refused while the VM migrates, and a migration that starts
 * ends it first (pre-copy needs the bitmap to itself). The last MEASUREMENTS_KEPT results are
 * kept for `query-dirty-rate`.
 */
import { performance } from "node:perf_hooks";
import { DirtyRateMeter, type DirtyRateMode } from "../migration/dirty-rate.js";
import { PAGE_FRAME_BYTES } from "../migration/pages.js";
import { roundZeroBytes, stateBytes } from "../migration/predict.js";
import type { Host } from "./host.js";
import type { HostVm } from "./host-vm.js";
import { CommandError } from "./protocol.js";
import type { DirtyRateInfo } from "./protocol-migrate.js";

/** How often dirty-bitmap drains the bitmap on the wall clock. */
export const PERIOD_MS = 10;
const MEASUREMENTS_KEPT = 64;

interface Measurement {
  hostVm: HostVm;
  meter: DirtyRateMeter;
  startMs: number;
  startTicks: number;
  period: NodeJS.Timeout;
  done: NodeJS.Timeout;
  info: DirtyRateInfo;
}

export class HostDirtyRates {
  private readonly running = new Map<string, Measurement>();
  private readonly results = new Map<string, DirtyRateInfo>();

  constructor(private readonly host: Host) {}

  start(name: string, calcTimeMs: number, mode: DirtyRateMode, samplePages: number, migrating: boolean): DirtyRateInfo {
    const hostVm = this.host.find(name);
    if (this.running.has(name)) throw new CommandError("InvalidState", `calc-dirty-rate: ${name}: a measurement is already running; see query-dirty-rate`);
    if (mode === "dirty-bitmap" && migrating) {
      throw new CommandError("InvalidState", `calc-dirty-rate: ${name} is migrating, and pre-copy needs its dirty bitmap; measure with mode page-sampling`);
    }
    const memory = hostVm.guest.vm.memory;
    const meter = new DirtyRateMeter(memory, mode, samplePages);
    const info: DirtyRateInfo = {
      vm: name, status: "measuring", mode, calcTimeMs, windowNs: 0, windowTicks: 0, dirtyPagesPerSecond: 0, dirtyRate: 0,
      workingSetPages: 0, sampledPages: mode === "dirty-bitmap" ? memory.pageCount : Math.min(memory.pageCount, samplePages), memoryBytes: 0, stateBytes: 0,
    };
    const measurement: Measurement = {
      hostVm, meter, info, startMs: performance.now(), startTicks: hostVm.ticks,
      period: setInterval(() => (this.present(measurement) ? meter.period() : this.finish(name)), PERIOD_MS),
      done: setTimeout(() => this.finishAfterWindow(name), calcTimeMs),
    };
    this.running.set(name, measurement);
    this.keep(info);
    return info;
  }

  /** The VM's measurement, running (its window so far) or the last one. */
  query(name: string): DirtyRateInfo {
    const running = this.running.get(name);
    if (running) return { ...running.info, windowNs: Math.round((performance.now() - running.startMs) * 1e6), windowTicks: running.hostVm.ticks - running.startTicks };
    const info = this.results.get(name);
    if (!info) throw new CommandError("InvalidState", `query-dirty-rate: ${name}: no dirty rate was measured; start with calc-dirty-rate`);
    return info;
  }

  /** Node's timers run on the loop's cached clock and may fire a fraction of a millisecond early: the window is at least what was asked. */
  private finishAfterWindow(name: string): void {
    const m = this.running.get(name);
    if (!m) return;
    const left = m.info.calcTimeMs - (performance.now() - m.startMs);
    if (left > 0) m.done = setTimeout(() => this.finishAfterWindow(name), Math.ceil(left));
    else this.finish(name);
  }

  /** Ends the VM's measurement now with what it saw (a migration starts; the host stops). */
  finish(name: string): void {
    const m = this.running.get(name);
    if (!m) return;
    this.running.delete(name);
    clearInterval(m.period);
    clearTimeout(m.done);
    const windowNs = Math.round((performance.now() - m.startMs) * 1e6);
    const windowTicks = m.hostVm.ticks - m.startTicks;
    const rate = m.meter.finish(windowTicks, windowNs, (pages) => (windowNs > 0 ? Math.round((pages * 1e9) / windowNs) : 0));
    const vm = m.hostVm.guest.vm;
    const present = this.present(m);
    this.keep({
      ...m.info,
      ...rate,
      status: "measured",
      dirtyRate: Math.round((rate.dirtyPagesPerSecond * PAGE_FRAME_BYTES) / 1e4) / 100,
      memoryBytes: present ? roundZeroBytes(vm.memory) : 0,
      stateBytes: present ? stateBytes(vm) : 0,
    });
  }

  /** Every measurement ends (the host stops). */
  close(): void {
    for (const name of [...this.running.keys()]) this.finish(name);
  }

  private present(m: Measurement): boolean {
    return this.host.get(m.hostVm.name) === m.hostVm;
  }

  private keep(info: DirtyRateInfo): void {
    this.results.delete(info.vm);
    this.results.set(info.vm, info);
    if (this.results.size > MEASUREMENTS_KEPT) this.results.delete(this.results.keys().next().value!);
  }
}

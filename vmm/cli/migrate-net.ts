/**
 * `toyvmm migrate GUEST PEER… --net`: the guest and its peers on a simulated network, host A's
 * switch joined to host B's by a trunk; the peers stay on host A while the guest migrates to
 * host B (vmm/migration/net-world.ts). Loaded only with --net.
 *
 * The consoles are stdout, labelled per VM (the guest's both hosts under its one name); on
 * stderr the moment it moved, the VMs stopped when the --until ones ended, the statistics and,
 * for each stream client (multi-net's `run=tcpstream`), its verdict and the longest gap between
 * its answers beside the migration's downtime. `--json`: one JSON object instead.
 */
import { UserError } from "../../isa/errors.js";
import type { GuestImage } from "../../isa/image/model.js";
import { ConsoleCapture } from "../console-capture.js";
import { bootVm, type MachineVm } from "../migration/machine-vm.js";
import { migrateOnNetwork, type NetMigrationResult } from "../migration/net-world.js";
import type { MigrationOptions } from "../migration/options.js";
import type { MigrationStats } from "../migration/stats.js";
import { streamReports, type StreamReport } from "../migration/stream-report.js";
import { formatNs } from "../migration/units.js";
import { LabelledLines } from "../monitor/output.js";
import { Network, type PortReport } from "../net/network.js";
import { describeOutcome, EXIT_MIGRATION_INCOMPLETE, exitStatusOf, exitStatusOfAll, outcomeOfMachine, type Outcome, END_OF_TIME } from "../outcome.js";
import { linksOf, openCaptures } from "./net-run.js";
import { nicOf, type NetCliOptions } from "./net-options.js";
import type { CliIo } from "./shared.js";

export interface NetGuest {
  name: string;
  image: GuestImage;
  bootArgs: string;
}

export interface NetMigrateArgs extends NetCliOptions {
  at: number;
  json: boolean;
  io: CliIo;
}

export interface NetMigrateSetup {
  /** The migrating guest first, then its peers. */
  guests: NetGuest[];
  input?: Uint8Array | string;
  memorySize?: number;
  maxTicks?: number;
  migration: Omit<MigrationOptions, "world" | "speed">;
  speed: number;
}

/** A stream client's report, with its gap in virtual time. */
export interface Interruption extends StreamReport {
  vm: string;
  gapNs: number;
}

interface Vm {
  name: string;
  vm: MachineVm;
  lines: LabelledLines;
  /** A copy of the console, for the JSON report and the stream clients' lines. */
  copy: ConsoleCapture;
}

export interface NetMigrateRun {
  status: number;
  stats: MigrationStats;
  interruptions: Interruption[];
}

export function runNetMigration(args: NetMigrateArgs, setup: NetMigrateSetup): NetMigrateRun {
  const { guests } = setup;
  const names = guests.map((g) => g.name);
  // By default the peers' end ends the run (the guest is their server), or the guest's own without peers.
  const until = (args.until ?? (names.length > 1 ? names.slice(1) : names)).map((name) => {
    const i = names.indexOf(name);
    if (i < 0) throw new UserError(`--until ${name}: no VM is called ${name} (VMs: ${names.join(", ")})`);
    return i;
  });
  const links = linksOf(names, args.link ?? []);
  const out = (chunk: string | Uint8Array) => (args.json ? undefined : args.io.stdout.write(chunk));
  const vms: Vm[] = guests.map((g, i) => {
    const vm = bootVm({
      name: g.name,
      image: g.image,
      bootArgs: g.bootArgs,
      nic: nicOf(i, args),
      ...(setup.input !== undefined ? { input: setup.input } : {}),
      ...(setup.memorySize !== undefined ? { memorySize: setup.memorySize } : {}),
    });
    return { name: g.name, vm, lines: new LabelledLines(guests.length > 1 ? g.name : null, out), copy: new ConsoleCapture() };
  });
  const show = (v: Vm, vm: MachineVm) => vm.console.attach((byte) => (v.lines.sink(byte), v.copy.writeByte(byte)));
  vms.forEach((v) => show(v, v.vm));

  const net = new Network({ seed: args.seed, speed: setup.speed });
  const hostA = net.addSwitch();
  const hostB = net.addSwitch();
  net.join(hostA, hostB);
  const captures = openCaptures(args.capture, names);
  let run: NetMigrationResult;
  try {
    vms.forEach((v, i) => net.plug(v.name, v.vm.machine, { switchId: hostA, link: links[i]!, ...(captures.writers[i] && { capture: captures.writers[i] }) }));
    const guest = vms[0]!;
    let moved: MachineVm | undefined; // the destination's VM once it runs the guest
    run = migrateOnNetwork({
      network: net,
      name: guest.name,
      vm: guest.vm,
      to: hostB,
      at: args.at,
      options: setup.migration,
      until: () => until.every((i) => vmOf(vms, i, moved).machine.ended !== null),
      maxTicks: setup.maxTicks ?? END_OF_TIME,
      onArrived: (vm) => {
        moved = vm;
        guest.lines.flush();
        show(guest, vm);
      },
    });
    net.flushCaptures();
  } finally {
    captures.close();
  }
  for (const v of vms) v.lines.flush();

  const { migration, stop } = run;
  const final = vms.map((_, i) => vmOf(vms, i, migration.vm as MachineVm));
  const stopped = stop === "until" ? vms.filter((_, i) => !final[i]!.machine.ended).map((v) => v.name) : [];
  const outcomes: Outcome[] = final.map((vm) => (vm.machine.ended ? outcomeOfMachine(vm.machine.ended, vm.machine) : { kind: "limit" }));
  const counted = outcomes.filter((_, i) => !stopped.includes(names[i]!));
  const status = exitStatusOfAll(counted) || (migration.stats.status === "completed" ? 0 : EXIT_MIGRATION_INCOMPLETE);
  const interruptions = vms.flatMap((v) => streamReports(v.copy.text).map((r) => ({ vm: v.name, ...r, gapNs: Math.round(net.nsOf(r.gapTicks)) })));
  const ports = net.report();
  const done = { status, stats: migration.stats, interruptions };
  if (args.json) {
    args.io.stdout.write(JSON.stringify(jsonReport(vms, final, outcomes, stopped, ports, run, interruptions, status)) + "\n");
    return done;
  }
  const err = (line: string) => args.io.stderr.write(`toyvmm: ${line}\n`);
  err(moveLine(names[0]!, run));
  names.forEach((name, i) => {
    if (stopped.includes(name)) err(`${name}: stopped, still running when ${until.map((u) => names[u]).join(", ")} ended`);
    else if (exitStatusOf(outcomes[i]!) !== 0) err(`${name}: ${describeOutcome(outcomes[i]!, guests[i]!.image.symbols)}`);
  });
  return done;
}

/** The VM that runs guest `i` now: the destination's for the migrating one once it moved. */
function vmOf(vms: Vm[], i: number, moved?: MachineVm): MachineVm {
  return i === 0 && moved ? moved : vms[i]!.vm;
}

function moveLine(name: string, run: NetMigrationResult): string {
  const { stats, migrated } = run.migration;
  if (!migrated) return `${name}: migration ${stats.status}: ${stats.error ?? "no reason given"}; it goes on at host A`;
  const downtime = stats.status === "completed" ? `, downtime ${formatNs(stats.downtimeNs)}` : "";
  return `${name} migrated to host B by ${stats.strategy} from network tick ${run.startTick} to ${run.endTick}${downtime}`;
}

/** The stream clients' lines beside the downtime: what the migration cost the service. */
export function formatInterruptions(interruptions: Interruption[], downtimeNs: number): string {
  return interruptions
    .map((r) => `${r.vm} pid ${r.pid}: ${r.answers} answers, ${r.intact ? "every byte back once and in order" : r.verdict}; ` +
      `longest gap between answers ${formatNs(r.gapNs)} (${r.gapTicks} ticks, before answer ${r.beforeAnswer}), downtime ${formatNs(downtimeNs)}\n`)
    .join("");
}

function jsonReport(vms: Vm[], final: MachineVm[], outcomes: Outcome[], stopped: string[], ports: PortReport[], run: NetMigrationResult, interruptions: Interruption[], exitStatus: number) {
  return {
    exitStatus,
    vms: vms.map((v, i) => ({
      name: v.name,
      outcome: stopped.includes(v.name) ? { kind: "stopped" } : outcomes[i],
      ticks: final[i]!.ticks,
      console: v.copy.text,
      port: ports.find((p) => p.name === v.name),
    })),
    startTick: run.startTick,
    endTick: run.endTick,
    stats: run.migration.stats,
    interruptions,
  };
}

/**
 * A point with a network workload (`request-rate` > 0): the experiment's guest is a server on
 * host A's switch, multi-net's stream client (`run=tcpstream`) beside it sends requests at the
 * point's rate for `stream-time` (at least one), and the server migrates to host B while they flow
 * (vmm/migration/net-world.ts). The point ends when the client does, and its row has the
 * client's verdict and longest gap between answers: the service interruption beside the downtime.
 */
import { UserError } from "../../isa/errors.js";
import { mulDivFloor, NS_PER_SECOND } from "../migration/clock.js";
import { MachineVm } from "../migration/machine-vm.js";
import { ANY_HOST } from "../migration/index.js";
import { migrateOnNetwork, type NetMigrationResult } from "../migration/net-world.js";
import type { MigrationOptions } from "../migration/options.js";
import { streamReports } from "../migration/stream-report.js";
import { defaultMac } from "../net/mac.js";
import { Network } from "../net/network.js";
import { bootGuest, loadGuest, type BootRequest, type LoadedGuest } from "./guest.js";
import type { PointResult } from "./row.js";

/** The client's guest: the kernel whose `tcpstream` streams the requests. */
export const STREAM_CLIENT = "multi-net";

/** Virtual seconds a point may run on after the migration before the client must have ended. */
const CLIENT_LIMIT_SECONDS = 100;

let client: LoadedGuest | null = null;
const clientGuest = (): LoadedGuest => (client ??= loadGuest(STREAM_CLIENT, "request-rate"));

/** Ticks between two requests at `rate` a second; 0 when the guest is too slow for that rate. */
export const requestSpacing = (speed: number, rate: number): number => mulDivFloor(1, speed, rate);

export interface NetworkPoint {
  request: BootRequest;
  rate: number;
  /** Virtual ns the client sends for. */
  streamNs: number;
  at: number;
  speed: number;
  migration: Omit<MigrationOptions, "world" | "speed" | "host">;
  where: string;
}

export function runNetworkPoint(p: NetworkPoint, guest: LoadedGuest): { run: NetMigrationResult; stream: NonNullable<PointResult["stream"]> } {
  const every = requestSpacing(p.speed, p.rate);
  if (every < 1) throw new UserError(`${p.where}: request-rate: ${p.rate} requests a second is more than one a tick at speed ${p.speed}`);
  const server = bootGuest(guest, p.request, p.where, { mac: defaultMac(0) });
  if (!(server instanceof MachineVm)) throw new UserError(`${p.where}: request-rate: the guest must be a kernel (the server), not a program`);
  const requests = Math.max(1, mulDivFloor(p.streamNs, p.rate, NS_PER_SECOND));
  const streamer = bootGuest(clientGuest(), { memory: null, machine: "monitor", bootArgs: `run=tcpstream every=${every} requests=${requests}` }, p.where, { mac: defaultMac(1) }) as MachineVm;
  const net = new Network({ speed: p.speed });
  const hostA = net.addSwitch();
  const hostB = net.addSwitch();
  net.join(hostA, hostB);
  net.plug(server.name, server.machine, { switchId: hostA });
  net.plug("client", streamer.machine, { switchId: hostA });
  const run = migrateOnNetwork({
    network: net,
    name: server.name,
    vm: server,
    to: hostB,
    at: p.at,
    options: { ...p.migration, host: ANY_HOST },
    until: () => streamer.machine.ended !== null,
    maxTicks: p.at + CLIENT_LIMIT_SECONDS * p.speed,
  });
  const report = streamReports(streamer.output)[0];
  return {
    run,
    stream: report
      ? { answers: report.answers, outOfPlace: report.outOfPlace, gapNs: Math.round(net.nsOf(report.gapTicks)), intact: report.intact }
      : { answers: 0, outOfPlace: 0, gapNs: null, intact: false },
  };
}

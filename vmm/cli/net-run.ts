/**
 * The VMs of `toyvmm boot --net` on one simulated switch (options in net-options.ts): links as
 * --link says, a pcap per port with --capture, until the --until VMs (or all) have ended.
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../isa/errors.js";
import { fileError } from "../../isa/user-files.js";
import type { Machine } from "../monitor/machine.js";
import { FrontEnd, type FrontEndReport } from "../net/front-end.js";
import { parseLinkSpec } from "../net/link-spec.js";
import { Network, type LinkSpec, type NetworkStop, type PortReport } from "../net/network.js";
import { PcapWriter } from "../net/pcap.js";
import { END_OF_TIME } from "../outcome.js";
import { FRONT_END_VIP, frontEndMac, type NetCliOptions } from "./net-options.js";

const VM_PREFIX = /^([A-Za-z0-9_.-]+):(.*)$/;

/** Each VM's link: the plain --link for all, NAME:… for one. */
export function linksOf(names: string[], values: string[]): Partial<LinkSpec>[] {
  const all: Partial<LinkSpec> = {};
  const own = names.map((): Partial<LinkSpec> => ({}));
  for (const value of values) {
    const prefix = VM_PREFIX.exec(value);
    if (prefix && !prefix[1]!.includes("=")) {
      const i = names.indexOf(prefix[1]!);
      if (i < 0) throw new UserError(`--link ${JSON.stringify(value)}: no VM is called ${prefix[1]} (VMs: ${names.join(", ")})`);
      Object.assign(own[i]!, parseLinkSpec(prefix[2]!));
    } else {
      Object.assign(all, parseLinkSpec(value));
    }
  }
  return own.map((o) => ({ ...all, ...o }));
}

export interface NetRun {
  stop: NetworkStop;
  ticks: number;
  ports: PortReport[];
  /** VMs still running when the run stopped because the --until ones had ended. */
  stopped: string[];
  /** With --cluster: the connections the front end handed to each server. */
  frontEnd?: FrontEndReport;
}

/** The --cluster VMs' names, from comma-separated and repeated values. */
function clusterOf(names: string[], values: string[]): string[] {
  const servers = values.flatMap((v) => v.split(",")).filter((n) => n !== "");
  if (servers.length === 0) throw new UserError("--cluster: name the VMs the front end hands connections to");
  for (const name of servers) {
    if (!names.includes(name)) throw new UserError(`--cluster ${name}: no VM is called ${name} (VMs: ${names.join(", ")})`);
  }
  return servers;
}

/** Runs the machines on one switch until --until (or all) ended or `maxTicks`. */
export function runOnNetwork(machines: Machine[], args: NetCliOptions, maxTicks = END_OF_TIME): NetRun {
  const names = machines.map((m) => m.name);
  const until = (args.until ?? []).map((name) => {
    const m = machines.find((x) => x.name === name);
    if (!m) throw new UserError(`--until ${name}: no VM is called ${name} (VMs: ${names.join(", ")})`);
    return m;
  });
  const links = linksOf(names, args.link ?? []);
  const servers = args.cluster ? clusterOf(names, args.cluster) : [];
  const net = new Network({ seed: args.seed });
  const captures = openCaptures(args.capture, names);
  try {
    machines.forEach((m, i) => net.plug(m.name, m, { link: links[i]!, ...(captures.writers[i] && { capture: captures.writers[i] }) }));
    const frontEnd = servers.length ? new FrontEnd({ vip: FRONT_END_VIP, mac: frontEndMac(), servers: servers.map((s) => net.macOf(s)!) }) : undefined;
    if (frontEnd) net.addFrontEnd(frontEnd);
    const stop = net.run(maxTicks, () => until.length > 0 && until.every((m) => m.ended !== null));
    net.flushCaptures();
    const stopped = stop === "until" ? machines.filter((m) => !m.ended).map((m) => m.name) : [];
    return { stop, ticks: net.time, ports: net.report(), stopped, ...(frontEnd && { frontEnd: frontEnd.report() }) };
  } finally {
    captures.close();
  }
}

/** --capture DIR: a pcap writer per VM, DIR/NAME.pcap (none without --capture); close() closes the files. */
export function openCaptures(dir: string | undefined, names: string[]): { writers: (PcapWriter | undefined)[]; close(): void } {
  const files: number[] = [];
  const close = () => files.forEach((fd) => closeSync(fd));
  if (dir === undefined) return { writers: names.map(() => undefined), close };
  try {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw fileError(dir, error);
    }
    const writers = names.map((name) => {
      const path = join(dir, `${name}.pcap`);
      let fd: number;
      try {
        fd = openSync(path, "w");
      } catch (error) {
        throw fileError(path, error);
      }
      files.push(fd);
      return new PcapWriter((chunk) => writeSync(fd, chunk));
    });
    return { writers, close };
  } catch (error) {
    close();
    throw error;
  }
}

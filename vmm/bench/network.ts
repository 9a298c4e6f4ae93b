/**
 * Network benchmarks, called by the bench program (`npm run bench`): frames per second of
 * host time through the simulated switch between two VMs on one host (guest-os/net-demo's
 * pinger and reflector, stop and wait, on links of 10 us), and the guest instructions each
 * frame costs the two bare-metal drivers; then the guest network stack (multi-net's UDP and TCP
 * echo servers and clients, guest-os/lib/net*.s): the request rate the UDP echo server sustains
 * one request at a time, the instructions per frame in the client's stack, sockets included, and
 * the rate the TCP echo server sustains against a client that streams requests as fast as it can
 * (multi-net's tcpstream), with the server's instructions per request and per frame.
 */
import { assembleFile, assembleText } from "../../isa/sources.js";
import { findBundledGuest } from "../monitor/bundled.js";
import type { Machine } from "../monitor/machine.js";
import { createVm } from "../monitor/vm.js";
import { defaultMac } from "../net/mac.js";
import { DEFAULT_NET_SPEED, Network } from "../net/network.js";

export interface NetworkBenchReport {
  frames: number;
  ms: number;
  framesPerSecond: number;
  /** Guest instructions retired (idle ticks not counted) per frame, sent and received, on each side. */
  instructionsPerFrame: { pinger: number; reflector: number };
}

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function benchNetwork(count = 20_000): NetworkBenchReport {
  const peer = defaultMac(0);
  const defines = {
    COUNT: count,
    PEER_LOW: peer[0]! | (peer[1]! << 8) | (peer[2]! << 16) | (peer[3]! << 24),
    PEER_HIGH: peer[4]! | (peer[5]! << 8),
    TIMEOUT: 1_000_000,
  };
  const reflectorImage = assembleText('.include "net-demo/reflector-core.s"\n', "reflector.s", { defines: { FRAMES: 0x7fffffff } }).image;
  const pingerImage = assembleText('.include "net-demo/pinger-core.s"\n', "pinger.s", { defines }).image;
  const net = new Network();
  const reflector = createVm({ name: "reflector", image: reflectorImage, nic: { mac: defaultMac(0) } });
  const pinger = createVm({ name: "pinger", image: pingerImage, nic: { mac: defaultMac(1) } });
  net.plug("reflector", reflector, { link: { latencyNs: 10_000 } });
  net.plug("pinger", pinger, { link: { latencyNs: 10_000 } });
  const start = nowMs();
  net.run(Number.MAX_SAFE_INTEGER, () => pinger.ended !== null);
  const ms = nowMs() - start;
  if (pinger.ended?.kind !== "halted" || pinger.ended.status !== 0) throw new Error(`network bench: the pinger ended ${JSON.stringify(pinger.ended)}`);
  const frames = 2 * count;
  const perFrame = (m: typeof pinger) => (m.cpu.ticks - m.cpu.idleTicks) / frames;
  return { frames, ms, framesPerSecond: (frames / ms) * 1000, instructionsPerFrame: { pinger: perFrame(pinger), reflector: perFrame(reflector) } };
}

export function formatNetworkReport(r: NetworkBenchReport): string {
  return [
    "network (two VMs on one simulated switch, stop and wait):",
    `  ${r.frames} frames in ${r.ms.toFixed(0)} ms: ${Math.round(r.framesPerSecond)} frames/s through the switch`,
    `  guest instructions per frame (sent or received): pinger ${r.instructionsPerFrame.pinger.toFixed(1)}, reflector ${r.instructionsPerFrame.reflector.toFixed(1)}`,
    "",
  ].join("\n");
}

export interface StackBenchRun {
  /** Host time of the whole run, boot included. */
  ms: number;
  /** Frames through the client's port, both ways. */
  frames: number;
  /** Guest instructions (idle ticks not counted) the client's kernel and program spent per frame. */
  instructionsPerFrame: number;
  /** Guest seconds the client ran (at the network's 10^8 ticks per second), boot included. */
  guestSeconds: number;
}

export interface StackBenchReport {
  udp: StackBenchRun & { requests: number };
  tcp: StackBenchRun & { bytes: number };
  stream: StreamBenchReport;
}

/** A multi-net server and client on one switch, run until the client ends. */
function stackRun(server: string, client: string): StackBenchRun {
  return stackVms(server, client).run;
}

function stackVms(server: string, client: string): { run: StackBenchRun; server: Machine } {
  const guest = findBundledGuest("multi-net");
  if (!guest) throw new Error("network bench: no bundled multi-net guest");
  const image = assembleFile(guest.kernel).image;
  const net = new Network();
  const serverVm = createVm({ name: "server", image, bootArgs: `run=${server}`, nic: { mac: defaultMac(0) } });
  const clientVm = createVm({ name: "client", image, bootArgs: `run=${client}`, nic: { mac: defaultMac(1) } });
  net.plug("server", serverVm);
  net.plug("client", clientVm);
  const start = nowMs();
  net.run(Number.MAX_SAFE_INTEGER, () => clientVm.ended !== null);
  const ms = nowMs() - start;
  if (clientVm.ended?.kind !== "halted" || clientVm.ended.status !== 0) throw new Error(`network bench: ${client} ended ${JSON.stringify(clientVm.ended)}`);
  const port = net.report().find((p) => p.name === "client")!;
  const frames = port.sent.frames + port.received.frames;
  const cpu = clientVm.cpu;
  return { run: { ms, frames, instructionsPerFrame: (cpu.ticks - cpu.idleTicks) / frames, guestSeconds: cpu.ticks / DEFAULT_NET_SPEED }, server: serverVm };
}

export interface StreamBenchReport {
  /** Requests of the longer run beyond the shorter one, and the guest seconds they took. */
  requests: number;
  guestSeconds: number;
  requestsPerSecond: number;
  /** The echo server's instructions (idle not counted) per request and per frame, its stack and program. */
  serverInstructionsPerRequest: number;
  serverInstructionsPerFrame: number;
  /** The longer run: frames through the switch per second of host time. */
  framesPerSecond: number;
}

/** Offered: a request every STREAM_EVERY ticks (10^6 a second), more than client and server can do. */
const STREAM_EVERY = 100;

/**
 * The TCP echo server against tcpstream sending as fast as it can: two runs of `short` and
 * `long` requests, and what the extra requests of the longer cost (so boot and connection drop out).
 */
export function benchStream(short = 100, long = 400): StreamBenchReport {
  const run = (requests: number) => {
    const { run, server } = stackVms("tcpecho", `tcpstream every=${STREAM_EVERY} requests=${requests}`);
    return { ...run, busy: server.cpu.ticks - server.cpu.idleTicks };
  };
  const a = run(short);
  const b = run(long);
  const requests = long - short;
  const guestSeconds = b.guestSeconds - a.guestSeconds;
  return {
    requests,
    guestSeconds,
    requestsPerSecond: requests / guestSeconds,
    serverInstructionsPerRequest: (b.busy - a.busy) / requests,
    serverInstructionsPerFrame: (b.busy - a.busy) / (b.frames - a.frames),
    framesPerSecond: (b.frames / b.ms) * 1000,
  };
}

/** multi-net's udpbench (200 requests, one at a time) and tcpbulk (20000 bytes echoed) against its echo servers. */
export function benchGuestStack(): StackBenchReport {
  return { udp: { ...stackRun("udpecho", "udpbench"), requests: 200 }, tcp: { ...stackRun("tcpecho", "tcpbulk"), bytes: 20_000 }, stream: benchStream() };
}

export function formatStackReport(r: StackBenchReport): string {
  return [
    "guest network stack (multi-net on two VMs, links of 50 us):",
    `  UDP echo, one request at a time: ${r.udp.requests} requests in ${r.udp.guestSeconds.toFixed(4)} s of guest time (${Math.round(r.udp.requests / r.udp.guestSeconds)} requests/s), ${r.udp.ms.toFixed(0)} ms of host time`,
    `  TCP echo of ${r.tcp.bytes} bytes: ${r.tcp.guestSeconds.toFixed(4)} s of guest time (${Math.round(r.tcp.bytes / r.tcp.guestSeconds / 1000)} kB/s each way), ${r.tcp.ms.toFixed(0)} ms of host time`,
    `  client's guest instructions per frame (stack, sockets and program): UDP ${r.udp.instructionsPerFrame.toFixed(0)}, TCP ${r.tcp.instructionsPerFrame.toFixed(0)}`,
    `  TCP echo against a streaming client (32-byte requests as fast as it sends): ${Math.round(r.stream.requestsPerSecond)} requests/s of guest time sustained`,
    `    (${r.stream.requests} requests in ${r.stream.guestSeconds.toFixed(4)} s); the server's instructions per request ${r.stream.serverInstructionsPerRequest.toFixed(0)}, per frame ${r.stream.serverInstructionsPerFrame.toFixed(0)};`,
    `    ${Math.round(r.stream.framesPerSecond)} frames/s of host time through the switch`,
    "",
  ].join("\n");
}

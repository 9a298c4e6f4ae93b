/**
 * `toyvmm host --hostfwd tcp|udp:[HOSTADDR]:HOSTPORT-GUEST:GUESTPORT` (QEMU's `-netdev
 * user,hostfwd=…`): the host listens on a TCP or UDP port of its machine (loopback unless
 * HOSTADDR is named) and forwards each connection, or each datagram, to a guest's port over the
 * guest network. The thin driver
 * around vmm/net/hostfwd.ts: node:net sockets in, the forwarder's state machines on the guest
 * network's side, on a clock of guest ticks at the host's speed.
 *
 * GUEST is a VM's name on this host or its address 10.0.0.N. The guest's MAC is found when a
 * client connects and remembered, so connections — open ones and new ones — follow a VM that
 * migrated away, through the trunk its announcement taught the switch.
 *
 * Flow control both ways: a client's bytes the connection cannot take yet pause its socket;
 * bytes for a client that is not reading stay in the connection (its window then closes on the
 * guest) while more than CLIENT_QUEUE_MAX wait in the socket.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { UserError } from "../../isa/errors.js";
import type { Logger } from "../log.js";
import { Forwarder, type GuestPort } from "../net/hostfwd.js";
import { formatIp } from "../net/tcp-frames.js";
import { DEFAULT_NET_SPEED } from "../net/network.js";
import { describeAddress, LOOPBACK, type TcpAddress } from "./address.js";
import type { Host } from "./host.js";
import type { Speed } from "./scheduler.js";

export interface HostfwdRule {
  protocol: "tcp" | "udp";
  listen: TcpAddress;
  /** A VM's name, or its address as a number. */
  guest: string | number;
  guestPort: number;
}

const CLIENT_QUEUE_MAX = 64 * 1024;
/** How often the forwarder announces its address (a gratuitous ARP), so a host joined later hears of a conflict. */
const ANNOUNCE_MS = 5_000;
/** The guests' network: 10.0.0.N is the VM whose MAC ends in N. */
const GUEST_NET = 0x0a000000;
/** Retransmission: 2 ms of guest time, doubling, ten times in a row (about 4 s of guest time in all). */
const RTO_NS = 2_000_000;
const MAX_RETRIES = 10;

/** `tcp:127.0.0.1:8080-server:80`, `tcp::8080-10.0.0.1:80`, `udp:8080-server:7` (QEMU's spelling); a one-line error otherwise. */
export function parseHostfwd(text: string): HostfwdRule {
  const match = /^(tcp|udp):(?:(\[[^\]]*\]|[^:]*):)?(\d+)-([^:]*):(\d+)$/.exec(text.trim());
  const bad = (why: string) => new UserError(`--hostfwd ${JSON.stringify(text)}: ${why}`);
  if (!match) throw bad("expected tcp:[HOSTADDR]:HOSTPORT-GUEST:GUESTPORT or udp:…, e.g. tcp:127.0.0.1:8080-server:80");
  const [, protocol, address, hostPort, guest, guestPort] = match;
  const port = (value: string, lowest: number) => {
    const n = Number(value);
    if (!(Number.isInteger(n) && n >= lowest && n <= 65535)) throw bad(`port ${value} is not from ${lowest} to 65535`);
    return n;
  };
  const host = address ? address.replace(/^\[|\]$/g, "") : LOOPBACK;
  const ip = /^10\.0\.0\.(\d+)$/.exec(guest!);
  if (guest === "") throw bad("name the guest: a VM's name or its address 10.0.0.N");
  if (ip && !(Number(ip[1]) >= 1 && Number(ip[1]) <= 254)) throw bad(`${guest} is not a guest's address (10.0.0.1 to 10.0.0.254)`);
  return { protocol: protocol as HostfwdRule["protocol"], listen: { host: host || LOOPBACK, port: port(hostPort!, 0) }, guest: ip ? GUEST_NET + Number(ip[1]) : guest!, guestPort: port(guestPort!, 1) };
}

const guestText = (rule: HostfwdRule) => (typeof rule.guest === "number" ? formatIp(rule.guest) : rule.guest);

/** The forwarders' network: 10.0.2.X, apart from the guests' 10.0.0.N. */
const FORWARDER_NET = 0x0a000200;

/** `--hostfwd-address 10.0.2.N`: N, from 2 to 254; a one-line error otherwise. */
export function parseForwarderAddress(text: string): number {
  const match = /^10\.0\.2\.(\d{1,3})$/.exec(text.trim());
  const n = match ? Number(match[1]) : NaN;
  if (!(n >= 2 && n <= 254)) throw new UserError(`--hostfwd-address ${JSON.stringify(text)}: expected 10.0.2.N, N from 2 to 254 (the guests are 10.0.0.N)`);
  return n;
}

/** The forwarder's place on the guest network: 10.0.2.X and 52:55:0a:00:02:X, X as chosen or from the host's name (so joined hosts most likely differ). */
export function forwarderAddress(hostName: string, chosen?: number): { mac: Uint8Array; ip: number } {
  let hash = 0x811c9dc5;
  for (let i = 0; i < hostName.length; i++) hash = Math.imul(hash ^ hostName.charCodeAt(i), 0x01000193);
  const x = chosen ?? 2 + ((hash >>> 0) % 250);
  return { mac: Uint8Array.of(0x52, 0x55, 0x0a, 0x00, 0x02, x), ip: FORWARDER_NET + x };
}

function listenError(rule: HostfwdRule, error: NodeJS.ErrnoException): UserError {
  const where = describeAddress({ kind: "tcp", ...rule.listen });
  return new UserError(`--hostfwd ${where}: ${error.code === "EADDRINUSE" ? "the address is in use" : error.code === "EACCES" ? "permission denied" : error.message}`);
}

interface Client {
  socket: Socket;
  /** Bytes from the client the connection has not taken yet. */
  pending: Uint8Array | null;
  /** The client has sent all it will. */
  ended: boolean;
  /** The guest's end has been passed on to the client. */
  finished: boolean;
}

export class HostForwarding {
  private readonly forwarder: Forwarder;
  private readonly servers: Server[] = [];
  /** The UDP rules' sockets, by the rule's place in the list. */
  private readonly udpSockets = new Map<number, UdpSocket>();
  private announcer: NodeJS.Timeout | null = null;
  private readonly clients = new Map<number, Client>();
  /** Each rule's guest MAC, once found. */
  private readonly macs = new Map<HostfwdRule, Uint8Array>();
  private readonly ticksPerNs: number;
  private timer: NodeJS.Timeout | null = null;
  private port = -1;
  /** Where each rule listens, HOST:PORT (a port asked as 0 is the one given), and what it forwards to. */
  readonly listening: string[] = [];

  private constructor(
    private readonly host: Host,
    private readonly log: Logger,
    speed: Speed,
    address?: number,
  ) {
    const { mac, ip } = forwarderAddress(host.name, address);
    this.ticksPerNs = (speed === "max" ? DEFAULT_NET_SPEED : speed) / 1e9;
    this.forwarder = new Forwarder(mac, ip, { rto: Math.round(RTO_NS * this.ticksPerNs), maxRetries: MAX_RETRIES });
  }

  /** Listens for each rule; `address` is N of the forwarder's 10.0.2.N (--hostfwd-address), else one from the host's name. */
  static async start(host: Host, rules: HostfwdRule[], speed: Speed, log: Logger, address?: number): Promise<HostForwarding> {
    const fwd = new HostForwarding(host, log, speed, address);
    if (rules.length === 0) return fwd;
    fwd.port = host.network.plugWire("hostfwd", `hostfwd ${formatIp(fwd.forwarder.ip)}`, (frame) => fwd.fromGuest(frame), fwd.forwarder.mac);
    try {
      for (const [index, rule] of rules.entries()) await (rule.protocol === "udp" ? fwd.bind(index, rule) : fwd.listen(rule));
    } catch (error) {
      await fwd.close();
      throw error;
    }
    fwd.announce();
    fwd.announcer = setInterval(() => fwd.announce(), ANNOUNCE_MS);
    fwd.announcer.unref();
    return fwd;
  }

  private announce(): void {
    this.forwarder.announce();
    this.send();
  }

  private now(): number {
    return performance.now() * 1e6 * this.ticksPerNs;
  }

  private listen(rule: HostfwdRule): Promise<void> {
    // Half-open allowed: a client that has sent all it will (nc's end of input) still gets the answer.
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(rule, socket));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) => reject(listenError(rule, error)));
      server.listen(rule.listen.port, rule.listen.host, () => {
        this.listened(rule, (server.address() as { port: number }).port);
        resolve();
      });
    });
  }

  /** A UDP rule's socket: each datagram to the guest, from the forwarder's port for its sender. */
  private bind(index: number, rule: HostfwdRule): Promise<void> {
    const socket = createSocket(rule.listen.host.includes(":") ? "udp6" : "udp4");
    this.udpSockets.set(index, socket);
    socket.on("message", (data, from) => {
      const guest = this.guestOf(rule);
      if (!guest) this.log.warn({ guest: guestText(rule) }, `hostfwd: no VM ${guestText(rule)} with a NIC on this host; datagram dropped`);
      else if (!this.forwarder.datagram(index, from.address, from.port, guest, data)) this.log.warn({ bytes: data.length }, "hostfwd: a datagram too long for one packet; dropped");
      this.send();
    });
    return new Promise((resolve, reject) => {
      socket.once("error", (error: NodeJS.ErrnoException) => reject(listenError(rule, error)));
      socket.bind(rule.listen.port, rule.listen.host, () => {
        socket.removeAllListeners("error");
        socket.on("error", (error) => this.log.warn({ error: error.message }, "hostfwd: a UDP socket's error"));
        this.listened(rule, socket.address().port);
        resolve();
      });
    });
  }

  private listened(rule: HostfwdRule, port: number): void {
    const where = describeAddress({ kind: "tcp", host: rule.listen.host, port });
    this.listening.push(`${rule.protocol === "udp" ? "udp " : ""}${where} to ${guestText(rule)}:${rule.guestPort}`);
  }

  /** The guest a rule names, as it is now (or as it was last seen here, once it has migrated away). */
  private guestOf(rule: HostfwdRule): GuestPort | null {
    const nic =
      typeof rule.guest === "string" ? this.host.get(rule.guest)?.guest.nic
      : this.host.list().find((vm) => vm.guest.nic && GUEST_NET + vm.guest.nic.mac[5]! === rule.guest)?.guest.nic;
    if (nic) this.macs.set(rule, nic.mac);
    const mac = this.macs.get(rule);
    if (!mac) return null;
    return { mac: Uint8Array.from(mac), ip: typeof rule.guest === "number" ? rule.guest : GUEST_NET + mac[5]!, port: rule.guestPort };
  }

  private accept(rule: HostfwdRule, socket: Socket): void {
    const guest = this.guestOf(rule);
    const id = guest ? this.forwarder.open(guest, this.now()) : -1;
    if (id < 0) {
      this.log.warn({ guest: guestText(rule) }, guest ? "hostfwd: too many connections; one refused" : `hostfwd: no VM ${guestText(rule)} with a NIC on this host; connection closed`);
      socket.destroy();
      return;
    }
    const client: Client = { socket, pending: null, ended: false, finished: false };
    this.clients.set(id, client);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      client.pending = client.pending ? Buffer.concat([client.pending, chunk]) : chunk;
      this.pump(id);
    });
    socket.on("end", () => {
      client.ended = true;
      this.pump(id);
    });
    socket.on("drain", () => this.pump(id));
    socket.on("error", () => {});
    socket.on("close", () => {
      // Gone before both ends finished (reset, killed): the guest is told with a RST.
      if (!(client.ended && client.finished)) this.forwarder.endpoint(id)?.abort();
      this.pump(id);
    });
    this.send();
  }

  /** Moves what can move between a client and its connection, then sends the frames made. */
  private pump(id: number): void {
    const client = this.clients.get(id);
    const endpoint = this.forwarder.endpoint(id);
    if (!client || !endpoint) return;
    const now = this.now();
    if (client.pending) {
      const taken = endpoint.write(client.pending, now);
      client.pending = taken < client.pending.length ? client.pending.subarray(taken) : null;
    }
    if (client.pending) client.socket.pause();
    else if (!client.socket.destroyed) client.socket.resume();
    if (client.ended && !client.pending) endpoint.end(now);
    while (endpoint.readable > 0 && client.socket.writableLength < CLIENT_QUEUE_MAX && !client.socket.destroyed) {
      client.socket.write(endpoint.read(CLIENT_QUEUE_MAX));
    }
    if (endpoint.peerFinished && endpoint.readable === 0 && !client.finished) {
      client.finished = true;
      client.socket.end();
    }
    this.forwarder.collect(id);
    if (endpoint.state === "closed") {
      const reason = this.forwarder.release(id);
      this.clients.delete(id);
      if (reason === "finished") client.socket.end();
      else client.socket.destroy();
      if (reason === "timeout" || reason === "refused") this.log.warn({ guest: id }, `hostfwd: connection ${reason === "timeout" ? "given up: the guest stopped answering" : "refused by the guest"}`);
    }
    this.send();
  }

  private fromGuest(frame: Uint8Array): boolean {
    const conflict = this.forwarder.conflict;
    this.forwarder.frame(frame, this.now());
    if (this.forwarder.conflict && !conflict) {
      this.log.warn({ address: formatIp(this.forwarder.ip) }, `hostfwd: another station on the guest network has this forwarder's address ${formatIp(this.forwarder.ip)} (a joined host's forwarder?); start one of them with --hostfwd-address 10.0.2.N`);
    }
    for (const answer of this.forwarder.takeAnswers()) this.udpSockets.get(answer.rule)?.send(answer.data, answer.port, answer.address);
    for (const id of this.forwarder.ids()) this.pump(id);
    this.send();
    return true;
  }

  /** The forwarder's frames onto the switch, and its timer set again. */
  private send(): void {
    for (const frame of this.forwarder.take()) this.host.network.fromWire(this.port, frame);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const next = this.forwarder.nextTimer;
    if (next === Infinity) return;
    const ms = Math.max(1, Math.ceil((next - this.now()) / this.ticksPerNs / 1e6));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.forwarder.timer(this.now());
      for (const id of this.forwarder.ids()) this.pump(id);
      this.send();
    }, ms);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.announcer) clearInterval(this.announcer);
    this.timer = null;
    for (const socket of this.udpSockets.values()) socket.close();
    this.udpSockets.clear();
    for (const client of this.clients.values()) client.socket.destroy();
    this.clients.clear();
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    if (this.port >= 0) this.host.network.unplug(this.port);
  }
}

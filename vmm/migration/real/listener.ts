/**
 * A host's migration listener: accepts incoming migrations for slots its owner prepared.
 *
 *   const listener = await MigrationListener.listen({ host: "127.0.0.1", port: 4444, vmHost: ANY_HOST });
 *   listener.address;                              // { host, port } (port 0 picks a free one)
 *   const slot = listener.expect({ guest });       // an IncomingMigration with a one-time token
 *   listener.on("refused", (reason, remote) => …); // a connection turned away, in one line
 *   await listener.close();
 *
 * Every connection must open with the stream's prologue and a hello (hello.ts) within the
 * handshake time. A hello naming a prepared token starts that slot's migration, once; its
 * urgent lane and any reconnection must name the session the welcome gave. Anything else is
 * refused in one line, sent to the peer and reported here, and never disturbs a migration.
 * Handshakes in progress are bounded; a completed migration is remembered for `lingerMs` so
 * that a source that lost the last word can reconnect and hear it.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { MAIN, URGENT } from "../protocol/events.js";
import { MAX_PAYLOAD } from "../stream/frames.js";
import type { MigratableVm, VmHost } from "../vm-port.js";
import type { Address } from "./dial.js";
import { FrameReader } from "./frame-reader.js";
import type { GuestControl } from "./guest-control.js";
import { checkPeerPrologue, HANDSHAKE_MAX_PAYLOAD, readHello, refusedOpening, TOKEN_MAX, welcomeOpening, type Hello } from "./hello.js";
import { IncomingMigration } from "./incoming.js";
import { Lane } from "./lane.js";
import { lendingReads } from "./read-buffer.js";
import { channelLabel, FIRST_CHANNEL_LANE } from "./multifd.js";
import type { SpareMemory } from "./spare-memory.js";

export interface ListenerOptions {
  /** Default 127.0.0.1: migrations come from this machine unless asked otherwise. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Checks what arrives and rebuilds the VMs. */
  vmHost: VmHost;
  /** A connection that says nothing for this long counts as broken (default 10 s). */
  stallTimeoutMs?: number;
  /** Time for a connection to open with its hello (default 5 s). */
  handshakeTimeoutMs?: number;
  /** How long a completed migration still answers its source (default 30 s). */
  lingerMs?: number;
  /** Memory of VMs that left, for the arriving ones to reuse (absent: always fresh). */
  spareMemory?: SpareMemory;
}

export interface ExpectOptions {
  /** The token the source must present; default: a random one. */
  token?: string;
  /** Builds the owner's control of the VM once it arrived, stopped. */
  guest: (vm: MigratableVm) => GuestControl;
}

/** Connections still in their handshake, at most; more are closed at once. */
const MAX_HANDSHAKES = 32;

export class MigrationListener extends EventEmitter {
  private readonly slots = new Map<string, IncomingMigration>();
  private readonly handshakes = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly address: Address,
    private readonly options: ListenerOptions,
  ) {
    super();
    server.on("connection", (socket) => this.onConnection(socket));
  }

  static listen(options: ListenerOptions): Promise<MigrationListener> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        const bound = server.address() as { address: string; port: number };
        resolve(new MigrationListener(server, { host: bound.address, port: bound.port }, options));
      });
    });
  }

  /** Prepares a slot for one incoming migration; give its token to the source. */
  expect(options: ExpectOptions): IncomingMigration {
    const token = options.token ?? randomBytes(16).toString("hex");
    if (token.length === 0 || token.length > TOKEN_MAX) throw new RangeError(`a token has 1 to ${TOKEN_MAX} characters`);
    if (this.slots.has(token)) throw new RangeError("that token is already prepared");
    const slot = new IncomingMigration(token, {
      host: this.options.vmHost,
      stallTimeoutNs: (this.options.stallTimeoutMs ?? 10_000) * 1e6,
      guest: options.guest,
      ...(this.options.spareMemory ? { memory: (size: number) => this.options.spareMemory!.take(size) } : {}),
    });
    this.slots.set(token, slot);
    slot.on("status", (status: string) => {
      if (status === "failed" || status === "cancelled") this.forget(token, slot, "the migration ended");
      if (status === "completed") {
        setTimeout(() => this.forget(token, slot, "the migration completed a while ago"), this.options.lingerMs ?? 30_000).unref();
      }
    });
    return slot;
  }

  /** Stops listening and drops every connection and slot. */
  close(): Promise<void> {
    for (const socket of this.handshakes) socket.destroy();
    for (const [token, slot] of this.slots) this.forget(token, slot, "the destination's listener closed");
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private forget(token: string, slot: IncomingMigration, reason: string): void {
    if (this.slots.get(token) !== slot) return;
    this.slots.delete(token);
    slot.forget(reason);
  }

  private onConnection(socket: Socket): void {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    if (this.handshakes.size >= MAX_HANDSHAKES) {
      socket.destroy();
      this.emit("refused", "too many connections opening at once", remote);
      return;
    }
    this.handshakes.add(socket);
    const reader = new FrameReader(true, HANDSHAKE_MAX_PAYLOAD, "the opening");
    let prologue: Uint8Array | null = null;
    const timeoutMs = this.options.handshakeTimeoutMs ?? 5_000;
    const timer = setTimeout(() => refuse(`no hello within ${timeoutMs} ms`), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      this.handshakes.delete(socket);
      socket.removeAllListeners("data");
      socket.removeAllListeners("error");
      socket.removeAllListeners("close");
    };
    const refuse = (reason: string) => {
      done();
      socket.on("error", () => {});
      socket.end(refusedOpening(reason));
      socket.setTimeout(1_000, () => socket.destroy());
      this.emit("refused", reason, remote);
    };
    socket.on("data", (chunk: Buffer) => {
      reader.push(chunk);
      try {
        if (!prologue) {
          prologue = reader.next();
          if (!prologue) return;
          checkPeerPrologue(prologue, "the source");
        }
        const bytes = reader.next();
        if (!bytes) return;
        const hello = readHello(bytes);
        const problem = this.admit(hello);
        if (problem) return refuse(problem);
        done();
        reader.maxPayload = MAX_PAYLOAD;
        this.route(hello, socket, reader, prologue, remote);
      } catch (error) {
        refuse((error as Error).message.replace(/^migration stream: /, ""));
      }
    });
    socket.on("error", () => done());
    socket.on("close", () => done());
  }

  /** Why this hello is turned away, or null. */
  private admit(hello: Hello): string | null {
    const slot = this.slots.get(hello.token);
    if (!slot) return "no migration is expected with that token";
    if (hello.lane === MAIN && !hello.recover) return slot.unused ? null : "that token was used already; each migration needs its own";
    if (!slot.open || hello.session !== slot.session) return "no such migration session is in progress";
    if (hello.lane >= FIRST_CHANNEL_LANE && hello.recover) return "a multifd channel opens with its migration, it does not reconnect";
    return null;
  }

  private route(hello: Hello, accepted: Socket, reader: FrameReader, prologue: Uint8Array, remote: string): void {
    const socket = lendingReads(accepted);
    const slot = this.slots.get(hello.token)!;
    const what = hello.lane === MAIN ? "the stream" : hello.lane === URGENT ? "the urgent lane" : channelLabel(hello.lane - FIRST_CHANNEL_LANE);
    const label = `${what} from ${remote}`;
    const lane = new Lane(socket, label, reader);
    if (hello.lane === MAIN && !hello.recover) {
      const session = randomBytes(16).toString("hex");
      socket.write(welcomeOpening(session));
      slot.attachStream(lane, prologue, session);
    } else {
      socket.write(welcomeOpening(slot.session!));
      slot.attachLane(hello.lane, lane);
    }
  }
}

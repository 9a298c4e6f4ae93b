/**
 * A TCP proxy on loopback between a migration's two ends, to break the connection on purpose:
 * reset it, stall it (bytes stop moving, the connection stays open), truncate it (it ends
 * inside a frame), damage it (one bit flipped) or throttle it, either at a byte count or when a
 * frame of a chosen type starts to pass. It reads the migration stream's framing (prologue, then a header with the
 * length of each frame) to know where frames begin, nothing more.
 *
 * Faults name the accepted connection they apply to (0 = the first; a migration's stream is
 * its first connection and the urgent lane its second, reconnections come after), so a fault
 * breaks one connection and the reconnection passes untouched.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { FRAME_HEADER_SIZE, FRAME_TYPES, PROLOGUE_SIZE, type FrameType } from "../../vmm/migration/stream/frames.js";

export type FaultAction = "reset" | "stall" | "truncate" | "corrupt" | { throttle: number };

export interface Fault {
  /** The accepted connection, from 0; absent: every one. */
  connection?: number;
  /** Toward the proxied server ("forward", the default: source → destination) or back. */
  direction?: "forward" | "back";
  /** After this many bytes in that direction, or when the `nth` (from 1) frame of a type starts. */
  when: { afterBytes: number } | { frame: FrameType; nth?: number };
  /**
   * Not before this holds, asked as the bytes pass: a point the bytes of one connection cannot
   * show, such as the source's commit (sent on the other lane). Until then the fault waits, and
   * fires at the next byte or frame of its kind once it holds.
   */
  armed?: () => boolean;
  action: FaultAction;
}

export interface Fired {
  fault: Fault;
  connection: number;
  /** Bytes of that direction that had passed. */
  atByte: number;
}

/** Finds where frames start in one direction of the stream, chunk by chunk. */
class FrameTracker {
  /** Stream position of the next chunk's first byte. */
  private position = 0;
  private frameStart = PROLOGUE_SIZE;
  private header: number[] | null = null;

  /** The frames whose first byte is in this chunk: offset in the chunk and type. */
  feed(chunk: Uint8Array): { at: number; type: FrameType | undefined }[] {
    const starts: { at: number; type: FrameType | undefined }[] = [];
    for (;;) {
      if (!this.header) {
        const at = this.frameStart - this.position;
        if (at >= chunk.length) break;
        starts.push({ at, type: FRAME_TYPES[chunk[at]! - 1] });
        this.header = [];
      }
      let i = Math.max(0, this.frameStart + this.header.length - this.position);
      while (this.header.length < FRAME_HEADER_SIZE && i < chunk.length) this.header.push(chunk[i++]!);
      if (this.header.length < FRAME_HEADER_SIZE) break;
      const h = this.header;
      const length = (h[2]! | (h[3]! << 8) | (h[4]! << 16) | (h[5]! << 24)) >>> 0;
      this.frameStart += FRAME_HEADER_SIZE + length;
      this.header = null;
    }
    this.position += chunk.length;
    return starts;
  }
}

/** One direction of one proxied connection. */
class Pipe {
  bytes = 0;
  private readonly tracker = new FrameTracker();
  private readonly seen = new Map<FrameType, number>();
  private stalled = false;
  private readonly done = new Set<Fault>();
  private throttle: { rate: number; queue: Buffer[]; timer: NodeJS.Timeout | null } | null = null;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly faults: Fault[],
    private readonly fire: (fault: Fault, pipe: Pipe) => void,
    private readonly peerPipe: () => Pipe,
  ) {
    from.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    if (this.stalled) return;
    const starts = this.tracker.feed(chunk);
    const trigger = this.firstTrigger(chunk, starts);
    if (!trigger) return this.forward(chunk);
    this.forward(chunk.subarray(0, trigger.at));
    this.apply(trigger.fault, chunk.subarray(trigger.at));
  }

  /** The earliest fault due in this chunk, and where. */
  private firstTrigger(chunk: Buffer, starts: { at: number; type: FrameType | undefined }[]): { fault: Fault; at: number } | null {
    let best: { fault: Fault; at: number } | null = null;
    for (const fault of this.faults) {
      if (this.done.has(fault)) continue;
      if (fault.armed && !fault.armed()) continue;
      let at = -1;
      // Due at its byte or frame, or at the first one after it when it was armed late.
      if ("afterBytes" in fault.when) {
        const offset = fault.when.afterBytes - this.bytes;
        if (offset < chunk.length) at = Math.max(0, offset);
      } else {
        let count = this.seen.get(fault.when.frame) ?? 0;
        for (const start of starts) {
          if (start.type !== fault.when.frame) continue;
          if (++count >= (fault.when.nth ?? 1)) {
            at = start.at;
            break;
          }
        }
      }
      if (at >= 0 && (!best || at < best.at)) best = { fault, at };
    }
    for (const start of starts) if (start.type && (!best || start.at < best.at)) this.seen.set(start.type, (this.seen.get(start.type) ?? 0) + 1);
    return best;
  }

  private apply(fault: Fault, rest: Buffer): void {
    this.done.add(fault);
    this.fire(fault, this);
    const action = fault.action;
    if (action === "reset") {
      this.from.resetAndDestroy();
      this.to.resetAndDestroy();
    } else if (action === "stall") {
      this.stalled = true;
      this.from.pause(); // so that the sender's buffers fill and its writes block
    } else if (action === "corrupt") {
      // The byte after a frame's header: its payload no longer matches the CRC.
      const damaged = Buffer.from(rest);
      if (damaged.length > FRAME_HEADER_SIZE) damaged[FRAME_HEADER_SIZE]! ^= 1;
      this.forward(damaged);
    } else if (action === "truncate") {
      // A few bytes into the frame, then the connection ends for good.
      this.to.end(rest.subarray(0, Math.min(5, rest.length)));
      this.stalled = true;
      this.from.destroy();
      this.peerPipe().stalled = true;
    } else {
      this.throttle = { rate: action.throttle, queue: [], timer: null };
      this.forward(rest);
    }
  }

  private forward(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.throttle) {
      this.throttle.queue.push(chunk);
      if (this.throttle.queue.length > 16) this.from.pause();
      this.pace();
      return;
    }
    this.bytes += chunk.length;
    if (!this.to.write(chunk)) {
      this.from.pause();
      this.to.once("drain", () => this.from.resume());
    }
  }

  /** Throttled: a slice of the queue every 10 ms, at the rate. */
  private pace(): void {
    const t = this.throttle!;
    if (t.timer || t.queue.length === 0) return;
    t.timer = setTimeout(() => {
      t.timer = null;
      let budget = Math.max(1, Math.floor(t.rate / 100));
      while (budget > 0 && t.queue.length > 0) {
        const head = t.queue[0]!;
        const piece = head.subarray(0, budget);
        budget -= piece.length;
        if (piece.length === head.length) t.queue.shift();
        else t.queue[0] = head.subarray(piece.length);
        this.bytes += piece.length;
        if (!this.to.destroyed) this.to.write(piece);
      }
      if (t.queue.length <= 16) this.from.resume();
      this.pace();
    }, 10);
  }

  stop(): void {
    if (this.throttle?.timer) clearTimeout(this.throttle.timer);
  }
}

export class FaultProxy {
  readonly fired: Fired[] = [];
  connections = 0;
  private readonly sockets = new Set<Socket>();
  private readonly pipes: Pipe[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** A proxy on a free loopback port in front of 127.0.0.1:`targetPort`. */
  static start(targetPort: number, faults: Fault[] = []): Promise<FaultProxy> {
    const server = createServer();
    return new Promise((resolve) => {
      server.listen(0, "127.0.0.1", () => {
        const proxy = new FaultProxy(server, (server.address() as { port: number }).port);
        server.on("connection", (client) => proxy.accept(client, targetPort, faults));
        resolve(proxy);
      });
    });
  }

  private accept(client: Socket, targetPort: number, faults: Fault[]): void {
    const connection = this.connections++;
    const mine = faults.filter((f) => f.connection === undefined || f.connection === connection);
    const upstream = createConnection(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        this.sockets.delete(socket);
        (socket === client ? upstream : client).destroy();
      });
    }
    client.pause();
    upstream.on("connect", () => client.resume());
    const fire = (fault: Fault, pipe: Pipe) => this.fired.push({ fault, connection, atByte: pipe.bytes });
    const pipes: Pipe[] = [];
    const forward = new Pipe(client, upstream, mine.filter((f) => (f.direction ?? "forward") === "forward"), fire, () => pipes[1]!);
    const back = new Pipe(upstream, client, mine.filter((f) => f.direction === "back"), fire, () => pipes[0]!);
    pipes.push(forward, back);
    this.pipes.push(forward, back);
  }

  close(): Promise<void> {
    for (const pipe of this.pipes) pipe.stop();
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Resets every connection through the proxy now, both ways; new ones still pass. */
  reset(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  /** Pulls the cable now: every connection reset, and nothing listens on the port any more. */
  cut(): Promise<void> {
    this.reset();
    return this.close();
  }
}

/**
 * Multifd (QEMU's name: multiple file descriptors): the pages of stop-and-copy and pre-copy
 * on N more TCP connections beside the stream, which keeps every other frame and the sync
 * points. Each channel opens with the stream's token and session, as the urgent lane does.
 *
 *   source                                        destination
 *   a page frame → one channel (a whole slab of   pages from every channel are applied as
 *     frames to one, the next slab to the next;     they come
 *     a frame of many pages to one alone)
 *   between frames of the stream and pages on     a channel that reaches sync p stops there;
 *     the channels, either way round:               the stream stops at its sync p until every
 *     sync {p} on every channel, then               channel has reached p; then all go on
 *     sync {p, N} on the stream
 *
 * A sync point is a barrier both ways, and nothing after it is applied before everything
 * before it (QEMU's multifd sync per round). So the pages wait for the setup that makes the
 * memory they go into; every page sent before a round's end, the state or the completion
 * (with its memory CRC) is in before that frame is applied; and a page sent again in a later
 * round never meets an older copy of itself still on its way on another channel. Post-copy's
 * pages go on the stream and the urgent lane, as without channels (a pre-copy that turns into
 * post-copy places a sync point first).
 */
import { decodeFrame, encodeFrame, streamError } from "../stream/codec.js";
import { FRAME_CODE, type FrameOf } from "../stream/frames.js";
import type { Lane } from "./lane.js";

/** Most channels a migration may open. */
export const MAX_MULTIFD_CHANNELS = 16;
/** The lane number a hello gives channel 0 (0 is the stream, 1 the urgent lane). */
export const FIRST_CHANNEL_LANE = 2;

export function channelLabel(channel: number): string {
  return `multifd channel ${channel}`;
}

/** Whether the frame carries pages (a page, a run of pages, or a run of zero pages). */
function isPages(bytes: Uint8Array): boolean {
  return bytes[0] === FRAME_CODE.page || bytes[0] === FRAME_CODE.pages || bytes[0] === FRAME_CODE.zero;
}

/** Whether the transmission is a sync frame (the gate checks the rest of it). */
export function isSync(bytes: Uint8Array): boolean {
  return bytes[0] === FRAME_CODE.sync;
}

/** The source's side: writes the stream's frames, the pages over the channels. */
export class ChannelSender {
  /** Sync points placed so far. */
  syncPoints = 0;
  private current = 0;
  /** What was written since the last sync point: frames of the stream, pages on the channels, or nothing. */
  private since: "stream" | "channels" | null = null;

  constructor(
    private readonly main: Lane,
    readonly channels: readonly Lane[],
  ) {}

  /** Whether a channel takes a page now. */
  get writable(): boolean {
    return this.channels.some((channel) => channel.writable);
  }

  /** Bytes the kernel took on each channel. */
  get channelBytes(): number[] {
    return this.channels.map((channel) => channel.bytesWritten);
  }

  /** One frame of the stream: pages onto a channel while `pagesOnChannels`, anything else onto the stream; a sync point between the two. */
  write(bytes: Uint8Array, pagesOnChannels: boolean): void {
    const onChannels = pagesOnChannels && isPages(bytes);
    const side = onChannels ? "channels" : "stream";
    if (this.since !== null && this.since !== side) this.sync();
    this.since = side;
    if (onChannels) this.channelFor(bytes).write(bytes);
    else this.main.write(bytes);
  }

  /**
   * The channel for this frame: the current one until a new slab of frames begins (a slab goes
   * to the socket in one write, and back for reuse) or it stops taking more; then the next
   * that takes more.
   */
  private channelFor(bytes: Uint8Array): Lane {
    const current = this.channels[this.current]!;
    if (current.writable && bytes.byteOffset !== 0) return current;
    for (let step = 1; step <= this.channels.length; step++) {
      const next = (this.current + step) % this.channels.length;
      if (this.channels[next]!.writable) {
        this.current = next;
        return this.channels[next]!;
      }
    }
    return current;
  }

  private sync(): void {
    const point = ++this.syncPoints;
    const frame = encodeFrame({ type: "sync", point, channels: this.channels.length });
    for (const channel of this.channels) channel.write(frame);
    this.main.write(frame);
  }
}

/** The destination's side: holds the stream and the channels at the sync points. */
export class ChannelGate {
  /** The sync point each channel has reached. */
  private readonly reached: number[] = [];
  /** The last sync point everything went past. */
  private passed = 0;
  /** The sync point the stream waits at, or 0, and for how many channels. */
  private waiting = 0;
  private waitingFor = 0;
  private readonly frames = { stream: 0, channels: [] as number[] };

  constructor(
    private readonly stream: () => Lane | null,
    /** By number, as they connected (a channel may come before the one numbered below it). */
    private readonly channels: () => readonly (Lane | undefined)[],
  ) {}

  /** The stream's sync frame: it waits there until every channel has reached the point. */
  onStreamSync(bytes: Uint8Array): void {
    const frame = this.read(bytes, "the stream's sync frame", this.frames.stream++);
    const channels = this.channels();
    const connected = channels.filter((lane) => lane !== undefined).length;
    if (frame.point !== this.passed + 1) throw streamError(`the stream's sync point ${frame.point} follows ${this.passed}`);
    // The source sends nothing past the setup before every channel has its welcome, given once it was attached here.
    if (frame.channels !== connected || channels.length !== connected) {
      throw streamError(`the stream's sync point ${frame.point} names ${frame.channels} channels; ${connected} connected`);
    }
    this.waiting = frame.point;
    this.waitingFor = frame.channels;
    this.stream()?.hold();
    this.releaseIfAll();
  }

  /** A channel's sync frame: it waits there until the stream has come to the same point. */
  onChannelSync(channel: number, bytes: Uint8Array): void {
    const count = this.frames.channels[channel] ?? 0;
    this.frames.channels[channel] = count + 1;
    const frame = this.read(bytes, `${channelLabel(channel)}'s sync frame`, count);
    const reached = this.reached[channel] ?? 0;
    if (frame.point !== reached + 1) throw streamError(`${channelLabel(channel)}: sync point ${frame.point} follows ${reached}`);
    this.reached[channel] = frame.point;
    this.channels()[channel]?.hold();
    this.releaseIfAll();
  }

  private read(bytes: Uint8Array, label: string, index: number): FrameOf<"sync"> {
    return decodeFrame(bytes, index, label) as FrameOf<"sync">;
  }

  private releaseIfAll(): void {
    if (this.waiting === 0) return;
    for (let i = 0; i < this.waitingFor; i++) if ((this.reached[i] ?? 0) < this.waiting) return;
    this.passed = this.waiting;
    this.waiting = 0;
    for (const channel of this.channels()) channel?.release();
    this.stream()?.release();
  }
}

/**
 * Host B's side of a migration as a state machine without I/O (see events.ts): reads the
 * stream, builds the destination's memory, and brings the VM up — at the completion frame
 * (stop-copy, pre-copy) or at the state frame (post-copy, with every page missing until it
 * arrives or is fetched through the return path, and a `started` frame back so that the
 * source may let the guest go). With acks "frames" (config.ts) the VM waits for the source's
 * `commit` before it runs, and `done` tells the source when every page is here.
 *
 * Nothing that arrives is trusted: the setup's fields and config and the state are checked
 * against the shape of the VM (the host's schemas) before anything is built from them. Damage
 * in the stream or a problem in its contents is one line naming the frame and the field: before
 * the commit it fails the migration (the VM built here is dropped), after it the destination
 * holds the only copy of the guest and pauses, waiting for the link to come back.
 */
import { crc32 } from "../../../isa/crc32.js";
import { PAGE_SHIFT, PAGE_SIZE } from "../../../isa/arch.js";
import { Memory } from "../../../isa/memory.js";
import { applyDelta } from "../xbzrle.js";
import { decompressPage } from "../compress.js";
import { problemOf } from "../../../isa/schema.js";
import type { MigrationStats } from "../stats.js";
import { checkPrologue, decodeFrame, decodePageFrame, encodeFrame, streamError } from "../stream/codec.js";
import { ZERO_PAGE_CRC } from "../stream/page-crc.js";
import { FRAME_CODE, STRATEGIES, type Frame, type FrameOf, type Strategy } from "../stream/frames.js";
import { decodePagesFrame, decodePagesRun, pageCrcsOf, pagesFrameRun, type DecodedPages } from "../stream/pages-frame.js";
import { InstalledCrcs } from "./installed-crcs.js";
import { setupFrameSchema } from "../stream/setup-schema.js";
import { formatNs } from "../units.js";
import type { MigratableVm } from "../vm-port.js";
import type { DestinationConfig } from "./config.js";
import { MAIN, type DestinationAction, type DestinationEvent, type Lane, type MachineStatus } from "./events.js";

const utf8 = new TextEncoder();
/** Where a delta is applied, or a page decompressed, before the page is installed. */
const scratchPage = new Uint8Array(PAGE_SIZE);
/** Reasons sent in a refused frame are cut to this many characters. */
const REASON_MAX = 1000;

/** What `parseJson` gives for text that is not JSON. */
const NOT_JSON = Symbol("not JSON");
/** The JSON text's value, or NOT_JSON: the parser's own words (positions, tokens) stay out of messages. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

export class Destination {
  status: MachineStatus = "active";
  /** Why it failed, or what damage paused it after the commit; null otherwise. */
  error: string | null = null;
  /** Why it is paused, while it is. */
  pauseReason: string | null = null;
  /** The source let the guest go: the VM here is the only copy. */
  committed = false;
  vm: MigratableVm | null = null;
  /** When the guest started running here (the downtime's end), or -1. */
  resumedAt = -1;
  /** Post-copy: the page the guest waits for, or -1. */
  stalledOn = -1;
  private stallStart = 0;
  private readonly transmissions = [0, 0];
  /** Frames that came on each multifd channel. */
  private readonly channelFrames: number[] = [];
  private outbox: Uint8Array[] = [];
  private readonly actions: DestinationAction[] = [];
  private memory: Memory | null = null;
  private setup: FrameOf<"setup"> | null = null;
  /** The setup's config and the state, parsed and checked. */
  private config: unknown = null;
  private state: unknown = null;
  private stateCrc = 0;
  private haveState = false;
  /** Said `started` (acks "frames"): if the link breaks before the commit, the outcome is the source's to tell. */
  private startedSent = false;
  private completeArrived = false;
  /** The CRCs of what was installed, by page or by run read into place (nothing else writes memory before the guest runs). */
  private pageCrcs: InstalledCrcs | null = null;
  /** Per page: 0 never arrived, 1 once, 2 more than once (saturating: a count could wrap). */
  private received: Uint8Array | null = null;
  private postCopy = false;
  private linkUp = true;
  private lastHeard: number;

  constructor(
    readonly settings: DestinationConfig,
    readonly stats: MigrationStats,
    now = 0,
  ) {
    this.lastHeard = now;
  }

  handle(now: number, event: DestinationEvent): void {
    switch (event.kind) {
      case "received":
        this.lastHeard = now;
        if (event.channel !== undefined) return this.onChannelPage(now, event.channel, event.bytes);
        return this.onTransmission(now, event.lane, event.bytes, event.placed);
      case "heard":
        this.lastHeard = now;
        return;
      case "page-missing":
        return this.onFault(now, event.page);
      case "committed":
        return this.onCommit(now);
      case "abort":
        if (!this.committed) this.fail(event.reason);
        return;
      case "cancel":
        if (this.canCancel) this.fail("the destination cancelled the migration");
        return;
      case "link-down":
        return this.onLinkDown(event.reason);
      case "link-up":
        return this.onLinkUp(now);
      case "timer":
        if (now < this.nextTimer()) return;
        this.actions.push({ kind: "close", reason: `nothing arrived for ${formatNs(this.settings.stallTimeoutNs)}` });
        return this.onLinkDown(`nothing arrived for ${formatNs(this.settings.stallTimeoutNs)}`);
    }
  }

  /** The strategy the setup named, once it has arrived. */
  get strategy(): Strategy | null {
    return this.setup ? STRATEGIES[this.setup.strategy]! : null;
  }

  /** Whether the owner may still give up (not once the source let the guest go). */
  get canCancel(): boolean {
    return !this.committed && (this.status === "active" || this.status === "paused");
  }

  /** A return frame for the source, or null. The driver takes them as soon as it can. */
  pollTransmit(): Uint8Array | null {
    if (!this.linkUp) return null;
    const bytes = this.outbox.shift() ?? null;
    // A request counts once it is on its way (one made while the link was down never is).
    if (bytes && bytes[0] === FRAME_CODE.request) this.stats.postcopyRequests++;
    return bytes;
  }

  pollAction(): DestinationAction | undefined {
    return this.actions.shift();
  }

  /** When to call back with a timer event: the moment a silent source counts as gone. */
  nextTimer(): number {
    return this.status === "active" && this.linkUp ? this.lastHeard + this.settings.stallTimeoutNs : Infinity;
  }

  pagesReceivedMoreThanOnce(): number {
    if (!this.received) return 0;
    let n = 0;
    for (const count of this.received) if (count > 1) n++;
    return n;
  }

  /**
   * Where the pages of the pages frame whose head (PAGES_HEAD_BYTES) is `head` may be read
   * straight to: those pages of memory, or null to have the frame as bytes. The bytes are
   * checked once the frame is whole (`received` with `placed`), so only while no CPU runs on
   * this memory and nothing can be built on it: before post-copy and before the completion. A
   * damaged frame fails the migration then, and nothing reads what it left.
   */
  placement(lane: Lane, head: Uint8Array): Uint8Array | null {
    const memory = this.memory;
    if (lane !== MAIN || !memory || this.postCopy || this.completeArrived || this.error || this.status !== "active") return null;
    const run = pagesFrameRun(head);
    if (!run || run.first >= memory.pageCount || run.count > memory.pageCount - run.first) return null;
    return memory.bytes.subarray(run.first << PAGE_SHIFT, (run.first + run.count) << PAGE_SHIFT);
  }

  /** One transmission: MAIN's first is the prologue, then one frame each (of a frame read into place, its head and pages). */
  private onTransmission(now: number, lane: Lane, bytes: Uint8Array, placed?: Uint8Array): void {
    if (this.error || this.status === "completed" || this.status === "failed") return;
    const number = this.transmissions[lane]!++;
    this.guard(() => {
      if (lane === MAIN && number === 0) return checkPrologue(bytes);
      const index = lane === MAIN ? number - 1 : number;
      const label = lane === MAIN ? "frame" : "urgent frame";
      if (placed) {
        const run = decodePagesRun(bytes, placed);
        if (run) return this.onRun(run.first, run.data, run.runCrc, `${label} ${index}`);
        // The frame in one piece, for the general path to say what is wrong with it.
        const whole = new Uint8Array(bytes.length + placed.length);
        whole.set(bytes);
        whole.set(placed, bytes.length);
        bytes = whole;
      }
      if (this.fastPages(now, bytes, `${label} ${index}`)) return;
      this.apply(now, decodeFrame(bytes, index, label), `${label} ${index}`);
    });
  }

  /** A frame of a multifd channel: pages only, applied as the stream's. */
  private onChannelPage(now: number, channel: number, bytes: Uint8Array): void {
    const index = this.channelFrames[channel] ?? 0;
    this.channelFrames[channel] = index + 1;
    const at = `channel ${channel} frame ${index}`;
    this.guard(() => {
      if (this.fastPages(now, bytes, at)) return;
      const frame = decodeFrame(bytes, index, `channel ${channel} frame`);
      if (frame.type !== "zero" && frame.type !== "page" && frame.type !== "pages") throw streamError(`${at} (${frame.type}): only pages travel on a multifd channel`);
      this.apply(now, frame, at);
    });
  }

  /**
   * A well-formed page or pages frame, the bulk of every stream, installed on a straight path:
   * whether `bytes` was one (else `decodeFrame` says what they are or what is wrong).
   */
  private fastPages(now: number, bytes: Uint8Array, at: string): boolean {
    if (!this.memory) return false;
    const page = decodePageFrame(bytes);
    if (page) {
      this.onPage(now, page.frame.index, page.frame.data, page.pageCrc, `${at} (page)`);
      return true;
    }
    const pages = decodePagesFrame(bytes);
    if (!pages) return false;
    this.installPages(now, pages, at);
    return true;
  }

  private installPages(now: number, pages: DecodedPages, at: string): void {
    this.onPages(now, pages.first, pages.data, pages.pageCrcs, (problem) => {
      throw streamError(`${at} (pages): ${problem}`);
    });
  }

  /**
   * Runs `receive`; damage in what arrived fails the migration before the destination took the
   * guest, and pauses it after: once `started` is sent the source may have let the guest go.
   */
  private guard(receive: () => void): void {
    try {
      receive();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!this.committed && !this.startedSent) return this.fail(message);
      this.error = message;
      this.actions.push({ kind: "close", reason: message });
      this.onLinkDown(message);
    }
  }

  private apply(now: number, frame: Frame, at: string): void {
    const where = `${at} (${frame.type})`;
    const fail = (problem: string): never => {
      throw streamError(`${where}: ${problem}`);
    };
    if (frame.type !== "setup" && !this.memory) fail("arrived before the setup frame");
    switch (frame.type) {
      case "setup": {
        if (this.memory) fail("a second setup frame");
        const fields = problemOf(setupFrameSchema, frame);
        if (fields) fail(fields);
        const config = parseJson(frame.config);
        if (config === NOT_JSON) fail("config: not valid JSON");
        const problem = this.settings.host.checkConfig(config, frame.memorySize);
        if (problem) fail(problem);
        this.setup = frame;
        this.config = config;
        this.memory = this.settings.memory?.(frame.memorySize) ?? new Memory(frame.memorySize);
        this.received = new Uint8Array(this.memory.pageCount);
        this.pageCrcs = new InstalledCrcs(this.memory);
        this.postCopy = STRATEGIES[frame.strategy] === "post-copy";
        if (this.postCopy) this.memory.markAllMissing();
        if (this.stats.setupNs === 0) this.stats.setupNs = now;
        return;
      }
      case "page":
        return this.onPage(now, frame.index, frame.data, crc32(frame.data), where);
      case "pages":
        if (frame.data.length === 0 || frame.data.length % PAGE_SIZE !== 0) fail(`carries ${frame.data.length} bytes, not a whole number of pages`);
        return this.onPages(now, frame.first, frame.data, pageCrcsOf(frame.data), fail);
      case "zero":
        this.checkPages(frame.first, frame.count, fail);
        for (let p = frame.first; p < frame.first + frame.count; p++) this.install(now, p, null, ZERO_PAGE_CRC);
        return;
      case "xbzrle":
        return this.onDelta(now, frame, fail);
      case "compressed":
        return this.onCompressed(now, frame, fail);
      case "round":
        return;
      case "postcopy":
        return this.turnPostCopy(frame.missing, fail);
      case "state":
        return this.onState(now, frame.json, fail);
      case "complete":
        return this.onComplete(now, frame, fail);
      case "commit":
        if (!this.haveState) fail("arrived before the state frame");
        if (frame.stateCrc !== this.stateCrc) fail("names another state than the one here");
        return this.onCommit(now);
      case "abort":
        if (!this.committed) this.fail(`the source gave up: ${frame.reason}`);
        return;
      case "hello":
        fail("opens a connection; it has no place in the stream");
        return;
      case "sync":
        fail("is a multifd channel's sync point, and this migration has no channels");
        return;
      default:
        fail("is a return-path frame");
    }
  }

  private onPage(now: number, page: number, data: Uint8Array, pageCrc: number, where: string): void {
    this.checkPages(page, 1, (problem) => {
      throw streamError(`${where}: ${problem}`);
    });
    this.install(now, page, data, pageCrc);
  }

  /** Consecutive pages from `first`, with their CRCs: in one copy, unless post-copy may keep the copy here of some. */
  private onPages(now: number, first: number, data: Uint8Array, pageCrcs: Uint32Array, fail: (p: string) => never): void {
    const count = pageCrcs.length;
    this.checkPages(first, count, fail);
    if (this.postCopy) {
      for (let i = 0; i < count; i++) this.install(now, first + i, data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), pageCrcs[i]!);
      return;
    }
    this.memory!.fillPages(first, data);
    this.pageCrcs!.pages(first, pageCrcs);
    this.countReceived(first, count);
  }

  /** Pages read into place (placement: never in post-copy), with the CRC of them all. */
  private onRun(first: number, data: Uint8Array, runCrc: number, at: string): void {
    const count = data.length >>> PAGE_SHIFT;
    this.checkPages(first, count, (problem) => {
      throw streamError(`${at} (pages): ${problem}`);
    });
    this.memory!.fillPages(first, data);
    this.pageCrcs!.run(first, count, runCrc);
    this.countReceived(first, count);
  }

  private countReceived(first: number, count: number): void {
    const received = this.received!;
    for (let p = first; p < first + count; p++) if (received[p]! < 2) received[p]!++;
  }

  /** A resent page as an XBZRLE delta against the copy here: applied to a copy of it, installed when whole. */
  private onDelta(now: number, frame: FrameOf<"xbzrle">, fail: (p: string) => never): void {
    this.checkPages(frame.index, 1, fail);
    if (this.postCopy) fail(`page ${frame.index}: a delta after the turn to post-copy, when the copy here may be the guest's own`);
    if (!this.received![frame.index]) fail(`page ${frame.index}: a delta against a page that never arrived`);
    const page = scratchPage;
    page.set(this.memory!.page(frame.index));
    const problem = applyDelta(frame.delta, 0, frame.delta.length, page);
    if (problem) fail(`page ${frame.index}: malformed delta: ${problem}`);
    this.install(now, frame.index, page, crc32(page));
  }

  /** A compressed page: decompressed aside, installed when it decoded to exactly a page. */
  private onCompressed(now: number, frame: FrameOf<"compressed">, fail: (p: string) => never): void {
    this.checkPages(frame.index, 1, fail);
    const problem = decompressPage(frame.data, scratchPage);
    if (problem) fail(`page ${frame.index}: malformed compressed page: ${problem}`);
    this.install(now, frame.index, scratchPage, crc32(scratchPage));
  }

  private checkPages(first: number, count: number, fail: (p: string) => never): void {
    const pages = this.memory!.pageCount;
    if (count < 1 || first >= pages || count > pages - first) fail(`pages ${first}..${first + count - 1} are outside memory (${pages} pages)`);
  }

  /** A running pre-copy turned into post-copy: the pages marked are stale here and will be fetched. */
  private turnPostCopy(missing: Uint8Array, fail: (p: string) => never): void {
    const memory = this.memory!;
    if (this.postCopy || this.haveState) fail("the migration is past the point where it could turn into post-copy");
    if (missing.length !== memory.pageCount) fail(`marks ${missing.length} pages, memory has ${memory.pageCount}`);
    // No CPU has run on this memory yet, so the missing bits are all it takes.
    for (let p = 0; p < missing.length; p++) {
      if (missing[p] && !memory.missing[p]) {
        memory.missing[p] = 1;
        memory.missingCount++;
      }
    }
    this.postCopy = true;
  }

  private onState(now: number, json: string, fail: (p: string) => never): void {
    if (this.haveState) fail("a second state frame");
    const state = parseJson(json);
    if (state === NOT_JSON) fail("not valid JSON");
    const problem = this.settings.host.checkState(this.config, state, this.memory!.size);
    if (problem) fail(problem);
    this.state = state;
    this.stateCrc = crc32(utf8.encode(json));
    this.haveState = true;
    if (!this.postCopy) return;
    this.build(fail);
    if (this.settings.acks === "link") this.resume(now);
    this.sayStarted();
  }

  private onComplete(now: number, frame: FrameOf<"complete">, fail: (p: string) => never): void {
    if (!this.haveState) fail("arrived before the state frame");
    const memory = this.memory!;
    // Over one lane pages come in order, so a page missing now was never sent; pages on the
    // urgent lane may still be on their way.
    if (memory.missingCount !== 0 && !(this.postCopy && this.settings.urgentLane)) fail(`${memory.missingCount} pages never arrived`);
    if (frame.checkMemory) {
      // Made from the pages' CRCs, unless a post-copy let the guest write here already.
      const crc = this.postCopy ? crc32(memory.bytes) : this.pageCrcs!.memoryCrc();
      if (crc !== frame.memoryCrc) fail(`memory checksum mismatch (source 0x${frame.memoryCrc.toString(16)}, here 0x${crc.toString(16)})`);
    }
    this.completeArrived = true;
    if (this.postCopy) return this.finishPostCopy();
    this.build(fail);
    if (this.settings.acks === "link") {
      this.resume(now);
      this.status = "completed";
    } else {
      this.sayStarted();
    }
  }

  private install(now: number, page: number, data: Uint8Array | null, pageCrc: number): void {
    const memory = this.memory!;
    if (this.received![page]! < 2) this.received![page]!++;
    if (this.postCopy && !memory.missing[page]) return; // a duplicate: the destination's copy is newer
    memory.fillPage(page, data);
    // After the turn the memory check reads memory itself: the guest may have written it.
    if (!this.postCopy) this.pageCrcs!.page(page, pageCrc);
    if (this.stalledOn === page) {
      this.stats.postcopyStallNs += now - this.stallStart;
      this.stalledOn = -1;
      this.actions.push({ kind: "wake-guest", page });
    }
    if (this.completeArrived && memory.missingCount === 0) this.finishPostCopy();
  }

  /** Builds the VM from the checked config and state (the host checks them again, as any caller's). */
  private build(fail: (p: string) => never): void {
    this.clearUnfilled();
    try {
      this.vm = this.settings.host.restore(this.setup!.name, this.config, this.state, this.memory!);
    } catch (error) {
      fail(`cannot restore the VM: ${(error as Error).message}`);
    }
    this.actions.push({ kind: "restored", vm: this.vm! });
  }

  /**
   * Zeros in every page that no frame filled and none will (it is not missing), as fresh memory
   * has: reused memory (config `memory`) still holds another VM's bytes there, which a source
   * that never sent the page, or a pre-copy turned post-copy that did not mark it, would
   * otherwise hand to the guest.
   */
  private clearUnfilled(): void {
    const memory = this.memory!;
    const received = this.received!;
    for (let p = 0; p < memory.pageCount; p++) if (received[p] === 0 && memory.missing[p] === 0) memory.fillPage(p, null);
  }

  private resume(now: number): void {
    this.resumedAt = now;
    this.actions.push({ kind: "resume-guest" });
  }

  private sayStarted(): void {
    this.startedSent = true;
    this.send({ type: "started", stateCrc: this.stateCrc });
  }

  /** Queues a return frame; one made while the link is down is lost, as the link would lose it. */
  private send(frame: Frame): void {
    if (this.linkUp) this.outbox.push(encodeFrame(frame));
  }

  private onCommit(now: number): void {
    if (this.committed || this.status === "failed") return;
    this.committed = true;
    if (this.settings.acks === "link") return;
    this.resume(now);
    if (this.postCopy) return this.finishPostCopy();
    this.status = "completed";
    this.send({ type: "done", pages: this.memory!.pageCount });
  }

  /** Post-copy ends when the completion has come and no page is missing (and, acks "frames", the guest is ours). */
  private finishPostCopy(): void {
    if (this.status !== "active" || !this.completeArrived || this.memory!.missingCount !== 0) return;
    if (this.settings.acks === "link") {
      this.status = "completed";
      return;
    }
    if (!this.committed) return;
    this.status = "completed";
    this.send({ type: "done", pages: this.memory!.pageCount });
  }

  /** Post-copy: the guest touched a page that is not here. */
  private onFault(now: number, page: number): void {
    this.stats.postcopyFaults++;
    this.stalledOn = page;
    this.stallStart = now;
    this.send({ type: "request", index: page });
  }

  /** Before the commit (with acks "link" the destination may have completed and still lose the guest). */
  private fail(reason: string): void {
    if (this.status === "failed" || this.committed) return;
    this.status = "failed";
    this.error = reason;
    if (this.vm) this.actions.push({ kind: "discard-guest" });
    this.vm = null;
    this.memory = null;
    this.outbox = [];
    if (this.settings.acks === "frames") this.send({ type: "refused", reason: reason.slice(0, REASON_MAX) });
  }

  private onLinkDown(reason: string): void {
    this.linkUp = false;
    this.outbox = [];
    if (this.status === "completed" || this.status === "failed") return;
    if (this.committed || this.startedSent) {
      this.status = "paused";
      this.pauseReason = this.committed
        ? `${reason}; the destination holds the guest and waits for the source to come back`
        : `${reason} after the destination took the guest and before the source let it go; the guest waits here, not running, for the source to say which of them keeps it`;
      return;
    }
    this.fail(reason);
  }

  /** The link is back: tell the source what is still missing, and ask again for the page the guest waits for. */
  private onLinkUp(now: number): void {
    this.linkUp = true;
    this.lastHeard = now;
    if (this.status === "completed") {
      // A source that missed the last word reconnects to hear it.
      if (this.settings.acks === "frames") this.send({ type: "done", pages: this.vm!.memory.pageCount });
      return;
    }
    if (this.status !== "paused") return;
    this.status = "active";
    this.error = null;
    this.pauseReason = null;
    if (this.postCopy && this.vm) {
      this.send({ type: "resume", missing: this.memory!.missing.slice() });
      if (this.stalledOn >= 0) this.send({ type: "request", index: this.stalledOn });
    }
    if (this.startedSent && !this.committed) this.sayStarted();
  }
}

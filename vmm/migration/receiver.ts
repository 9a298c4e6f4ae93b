/**
 * Host B's side of a migration: reads the stream, builds the destination's memory, and
 * brings the VM up — at the completion frame (stop-copy, pre-copy) or at the state frame
 * (post-copy, with every page missing until it arrives or is fetched through the return path,
 * and a `started` frame back so that the source may let the guest go).
 * Nothing that arrives is trusted: the setup's fields and config and the state are checked
 * against the shape of the VM (the host's schemas) before anything is built from them.
 * Any damage in the stream or problem in its contents becomes `error` (one line naming the
 * frame and the field); the receiver never throws.
 */
import { crc32 } from "../../isa/crc32.js";
import { Memory } from "../../isa/memory.js";
import { problemOf } from "../../isa/schema.js";
import type { EngineContext } from "./engine.js";
import { memoryCrc } from "./engine.js";
import { GuestPacer } from "./pacer.js";
import { checkPrologue, decodeFrame, encodeFrame, streamError } from "./stream/codec.js";
import { STRATEGIES, type Frame, type FrameOf } from "./stream/frames.js";
import { setupFrameSchema } from "./stream/setup-schema.js";
import type { MigratableVm } from "./vm-port.js";

const utf8 = new TextEncoder();

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

export class Receiver {
  error: string | null = null;
  completed = false;
  vm: MigratableVm | null = null;
  pacer: GuestPacer | null = null;
  resumedAt = -1;
  /** Post-copy: the page the guest waits for, or -1. */
  stalledOn = -1;
  private stallStart = 0;
  private transmissions = 0;
  private memory: Memory | null = null;
  private setup: FrameOf<"setup"> | null = null;
  /** The setup's config and the state, parsed and checked. */
  private config: unknown = null;
  private state: unknown = null;
  private haveState = false;
  private received: Uint16Array | null = null;
  private postCopy = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly sendBack: (bytes: Uint8Array) => boolean,
  ) {}

  /** One transmission from the source: the prologue first, then one frame each. */
  handle(bytes: Uint8Array): void {
    if (this.error) return;
    const number = this.transmissions++;
    try {
      if (number === 0) return checkPrologue(bytes);
      this.apply(decodeFrame(bytes, number - 1), number - 1);
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  private apply(frame: Frame, index: number): void {
    const where = `frame ${index} (${frame.type})`;
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
        const problem = this.ctx.options.host.checkConfig(config, frame.memorySize);
        if (problem) fail(problem);
        this.setup = frame;
        this.config = config;
        this.memory = new Memory(frame.memorySize);
        this.received = new Uint16Array(this.memory.pageCount);
        this.postCopy = STRATEGIES[frame.strategy] === "post-copy";
        if (this.postCopy) this.memory.markAllMissing();
        if (this.ctx.stats.setupNs === 0) this.ctx.stats.setupNs = this.ctx.now();
        return;
      }
      case "page":
        this.checkPages(frame.index, 1, fail);
        return this.install(frame.index, frame.data);
      case "zero":
        this.checkPages(frame.first, frame.count, fail);
        for (let p = frame.first; p < frame.first + frame.count; p++) this.install(p, null);
        return;
      case "round":
        return;
      case "state": {
        if (this.haveState) fail("a second state frame");
        const state = parseJson(frame.json);
        if (state === NOT_JSON) fail("not valid JSON");
        const problem = this.ctx.options.host.checkState(this.config, state, this.memory!.size);
        if (problem) fail(problem);
        this.state = state;
        this.haveState = true;
        if (this.postCopy) {
          this.start(fail);
          this.pacer = new GuestPacer(this.vm!, this.ctx.options.speed, this.ctx.now());
          this.sendBack(encodeFrame({ type: "started", stateCrc: crc32(utf8.encode(frame.json)) }));
        }
        return;
      }
      case "complete": {
        if (!this.haveState) fail("arrived before the state frame");
        const memory = this.memory!;
        if (memory.missingCount !== 0) fail(`${memory.missingCount} pages never arrived`);
        if (frame.checkMemory) {
          const crc = memoryCrc(memory.bytes);
          if (crc !== frame.memoryCrc) fail(`memory checksum mismatch (source 0x${frame.memoryCrc.toString(16)}, here 0x${crc.toString(16)})`);
        }
        if (!this.postCopy) this.start(fail);
        this.completed = true;
        return;
      }
      default:
        fail("is a return-path frame");
    }
  }

  private checkPages(first: number, count: number, fail: (p: string) => never): void {
    const pages = this.memory!.pageCount;
    if (count < 1 || first >= pages || count > pages - first) fail(`pages ${first}..${first + count - 1} are outside memory (${pages} pages)`);
  }

  private install(page: number, data: Uint8Array | null): void {
    const memory = this.memory!;
    this.received![page]!++;
    if (this.postCopy && !memory.missing[page]) return; // a duplicate: the destination's copy is newer
    memory.fillPage(page, data);
    if (this.stalledOn === page) {
      const now = this.ctx.now();
      this.ctx.stats.postcopyStallNs += now - this.stallStart;
      this.stalledOn = -1;
      this.pacer!.resumeAt(now);
    }
  }

  /** Builds the VM from the checked config and state (the host checks them again, as any caller's). */
  private start(fail: (p: string) => never): void {
    try {
      this.vm = this.ctx.options.host.restore(this.setup!.name, this.config, this.state, this.memory!);
    } catch (error) {
      fail(`cannot restore the VM: ${(error as Error).message}`);
    }
    this.resumedAt = this.ctx.now();
  }

  /** Post-copy: the guest touched a page that is not here. */
  onFault(page: number): void {
    const stats = this.ctx.stats;
    stats.postcopyFaults++;
    this.stalledOn = page;
    this.stallStart = this.ctx.now();
    this.request(page);
  }

  private request(page: number): void {
    if (this.sendBack(encodeFrame({ type: "request", index: page }))) this.ctx.stats.postcopyRequests++;
  }

  /** The link is back after the switch-over: tell the source what is still missing, and ask again for the page we wait for. */
  onRestore(): void {
    this.sendBack(encodeFrame({ type: "resume", missing: this.memory!.missing.slice() }));
    if (this.stalledOn >= 0) this.request(this.stalledOn);
  }

  /** A failed migration: the destination drops what it built. */
  discard(): void {
    this.vm?.destroy();
    this.vm = null;
    this.pacer = null;
    this.memory = null;
  }

  pagesReceivedMoreThanOnce(): number {
    if (!this.received) return 0;
    let n = 0;
    for (const count of this.received) if (count > 1) n++;
    return n;
  }
}

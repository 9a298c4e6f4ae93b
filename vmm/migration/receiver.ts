/**
 * Host B's side of a migration: reads the stream, builds the destination's memory, and
 * brings the VM up — at the completion frame (stop-copy, pre-copy) or at the state frame
 * (post-copy, with every page missing until it arrives or is fetched through the return path,
 * and a `started` frame back so that the source may let the guest go).
 * Any damage in the stream becomes `error` (one line); the receiver never throws.
 */
import { PAGE_SIZE } from "../../isa/arch.js";
import { crc32 } from "../../isa/crc32.js";
import { Memory } from "../../isa/memory.js";
import type { EngineContext } from "./engine.js";
import { memoryCrc } from "./engine.js";
import { GuestPacer } from "./pacer.js";
import { checkPrologue, decodeFrame, encodeFrame, streamError } from "./stream/codec.js";
import { STRATEGIES, type Frame, type FrameOf } from "./stream/frames.js";
import type { MigratableVm } from "./vm-port.js";

const utf8 = new TextEncoder();

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
  private stateJson: string | null = null;
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
        if (this.memory) return; // sent again after a broken link
        if (frame.pageSize !== PAGE_SIZE) fail(`page size ${frame.pageSize} is not ${PAGE_SIZE}`);
        if (frame.strategy >= STRATEGIES.length) fail(`unknown strategy ${frame.strategy}`);
        try {
          this.memory = new Memory(frame.memorySize);
        } catch (error) {
          fail((error as Error).message);
        }
        this.setup = frame;
        this.received = new Uint16Array(this.memory!.pageCount);
        this.postCopy = STRATEGIES[frame.strategy] === "post-copy";
        if (this.postCopy) this.memory!.markAllMissing();
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
      case "state":
        if (this.stateJson !== null) return;
        this.stateJson = frame.json;
        if (this.postCopy) {
          this.start(fail);
          this.pacer = new GuestPacer(this.vm!, this.ctx.options.speed, this.ctx.now());
          this.sendBack(encodeFrame({ type: "started", stateCrc: crc32(utf8.encode(frame.json)) }));
        }
        return;
      case "complete": {
        if (this.stateJson === null) fail("arrived before the state frame");
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

  private start(fail: (p: string) => never): void {
    let state: unknown;
    try {
      state = JSON.parse(this.stateJson!);
    } catch {
      fail("state is not valid JSON");
    }
    const setup = this.setup!;
    try {
      const config = JSON.parse(setup.config) as unknown;
      this.vm = this.ctx.options.host.restore(setup.name, config, state, this.memory!);
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

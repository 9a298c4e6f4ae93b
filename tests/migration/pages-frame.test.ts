/**
 * The `pages` frame (stream version 5): a run of consecutive pages under one CRC. Its straight
 * encoder and decoder against the field table; a frame cut at every byte or damaged, fed to the
 * destination machine, ends it `failed` in one line; lies on a simulated link (a run past
 * memory, bytes that are not whole pages, a bad CRC, cuts at the worst bytes) fail the
 * migration with the guest going on at the source, and a run told truthfully is installed;
 * over TCP the real driver sends its plain pages in runs, within a bandwidth limit's burst; and
 * a snapshot file reads runs, and files of version 4 still.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../../isa/arch.js";
import { crc32 } from "../../isa/crc32.js";
import { Memory } from "../../isa/memory.js";
import { decodeSnapshot, encodeSnapshot } from "../../vmm/host/snapshot.js";
import { migrate } from "../../vmm/migration/engine.js";
import { ANY_HOST } from "../../vmm/migration/index.js";
import { runToEnd } from "../../vmm/migration/machine-vm.js";
import { Destination } from "../../vmm/migration/protocol/destination.js";
import { MAIN } from "../../vmm/migration/protocol/events.js";
import { setupFrame } from "../../vmm/migration/protocol/setup-frame.js";
import { emptyStats } from "../../vmm/migration/stats.js";
import { decodeFrame, decodeStream, encodeFrame, encodePrologue, encodeStream } from "../../vmm/migration/stream/codec.js";
import { FRAME_CODE, FRAME_HEADER_SIZE, type FrameOf } from "../../vmm/migration/stream/frames.js";
import { memoryCrcOf } from "../../vmm/migration/stream/page-crc.js";
import { decodePagesFrame, encodePagesFrame, MAX_GATHERED_RUN_PAGES, MAX_RUN_PAGES, PAGES_HEAD_BYTES, pagesFrameBytes, pagesFrameHead } from "../../vmm/migration/stream/pages-frame.js";
import type { MigratableVm } from "../../vmm/migration/vm-port.js";
import { boot, errorOf, guest, recordingHost, reference } from "./helpers.js";
import { closeRun, finish, results, startRealMigration, WRITER, type RealRun } from "./real-helpers.js";

const memwriter = guest("memwriter");

/** `count` pages of bytes that differ page by page. */
function pagesOf(count: number, seed = 1): Uint8Array {
  const data = new Uint8Array(count * PAGE_SIZE);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed + (i >>> 12)) & 0xff;
  return data;
}

describe("the pages frame's codec", () => {
  it("writes a run on the straight path byte for byte as the field table does, and reads it back with each page's CRC", () => {
    fc.assert(
      fc.property(fc.nat({ max: 4096 }), fc.nat({ max: 0xffffffff }), fc.integer({ min: 1, max: 6 }), fc.nat({ max: 255 }), (first, round, count, seed) => {
        const data = pagesOf(count, seed);
        const crcs = new Uint32Array(first + count);
        const straight = encodePagesFrame(first, round, data, crcs);
        expect(Buffer.from(straight).equals(encodeFrame({ type: "pages", first, round, data }))).toBe(true);
        expect(straight.length).toBe(pagesFrameBytes(count));
        const generic = decodeFrame(straight, 0) as FrameOf<"pages">;
        expect([generic.type, generic.first, generic.round, Buffer.from(generic.data).equals(data)]).toEqual(["pages", first, round, true]);
        const expected = Array.from({ length: count }, (_, i) => crc32(data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)));
        expect(Array.from(crcs.subarray(first))).toEqual(expected);
        const decoded = decodePagesFrame(straight)!;
        expect({ first: decoded.first, round: decoded.round, same: Buffer.from(decoded.data).equals(data), crcs: Array.from(decoded.pageCrcs) }).toEqual({ first, round, same: true, crcs: expected });
      }),
      { numRuns: 60 },
    );
  });

  it("a head for pages sent from memory, followed by them, is the frame the copying encoder writes, and what it keeps folds to the same memory CRC", () => {
    fc.assert(
      fc.property(fc.nat({ max: 4096 }), fc.nat({ max: 0xffffffff }), fc.integer({ min: 1, max: 6 }), fc.nat({ max: 255 }), (first, round, count, seed) => {
        const data = pagesOf(count, seed);
        const copied = new Uint32Array(first + count);
        const gathered = new Uint32Array(first + count);
        const frame = encodePagesFrame(first, round, data, copied);
        const head = pagesFrameHead(first, round, data, gathered);
        expect(Buffer.concat([head, data]).equals(frame)).toBe(true);
        expect(memoryCrcOf(gathered)).toBe(memoryCrcOf(copied));
        expect(memoryCrcOf(gathered)).toBe(crc32(data));
        expect(Array.from(gathered.subarray(first))).toEqual([...Array<number>(count - 1).fill(0), crc32(data)]);
      }),
      { numRuns: 60 },
    );
  });

  it("the largest run fits a slab, and a run of more is refused at once", () => {
    const data = pagesOf(MAX_RUN_PAGES);
    expect(encodePagesFrame(0, 0, data, new Uint32Array(MAX_RUN_PAGES)).length).toBe(pagesFrameBytes(MAX_RUN_PAGES));
    expect(() => encodePagesFrame(0, 0, pagesOf(MAX_RUN_PAGES + 1), new Uint32Array(MAX_RUN_PAGES + 1))).toThrow(RangeError);
  });

  it("a stream cut at every byte of a run, or with any byte of it flipped, is one line naming the frame", () => {
    const frame = encodeFrame({ type: "pages", first: 3, round: 1, data: pagesOf(2) });
    const bytes = encodeStream([{ type: "round", round: 0, pages: 1 }, { type: "pages", first: 3, round: 1, data: pagesOf(2) }]);
    const start = bytes.length - frame.length;
    for (let cut = start + 1; cut < bytes.length; cut++) {
      const message = errorOf(() => decodeStream(bytes.subarray(0, cut)));
      expect(message).toMatch(/^migration stream: frame 1 \(pages\): truncated/);
      expect(decodePagesFrame(frame.subarray(0, cut - start))).toBeNull();
    }
    for (let at = 0; at < frame.length; at += at < 64 ? 1 : 509) {
      const damaged = frame.slice();
      damaged[at]! ^= 0x40;
      expect(decodePagesFrame(damaged)).toBeNull();
      const message = errorOf(() => decodeFrame(damaged, 7));
      expect(message).toMatch(/^migration stream: frame 7( \(\w+\))?: /);
      expect(message).not.toContain("\n");
    }
  });
});

/**
 * A destination machine that has the prologue and the setup of `vm`'s migration, on memory
 * `memory` (its config taken as checked: the frames after it are what is tested, thousands of times).
 */
function destinationAfterSetup(memory: Memory, vm: MigratableVm): Destination {
  const host = { ...ANY_HOST, checkConfig: () => null };
  const machine = new Destination({ host, acks: "frames", urgentLane: true, stallTimeoutNs: 1e9, memory: () => memory }, emptyStats("stop-copy"));
  machine.handle(0, { kind: "received", lane: MAIN, bytes: encodePrologue() });
  machine.handle(0, { kind: "received", lane: MAIN, bytes: encodeFrame(setupFrame(vm, "stop-copy")) });
  return machine;
}

describe("a destination given a malformed run", () => {
  const vm = boot(memwriter);
  const memory = new Memory(vm.memory.size);

  it("cut at every byte: failed, in one line naming the frame", () => {
    const frame = encodeFrame({ type: "pages", first: 0, round: 0, data: pagesOf(2) });
    for (let cut = 0; cut < frame.length; cut++) {
      const machine = destinationAfterSetup(memory, vm);
      machine.handle(0, { kind: "received", lane: MAIN, bytes: frame.subarray(0, cut) });
      expect(machine.status).toBe("failed");
      expect(machine.error).toMatch(cut < FRAME_HEADER_SIZE ? /^migration stream: frame 1( \(pages\))?: truncated in the header/ : /^migration stream: frame 1 \(pages\): truncated \(payload needs/);
    }
  });
});

describe("a destination given a run read into place", () => {
  const vm = boot(memwriter);

  it("installs it, or fails in one line naming the frame when a byte of its pages is damaged", () => {
    const data = pagesOf(3);
    const frame = encodeFrame({ type: "pages", first: 2, round: 0, data });
    for (const flip of [-1, PAGES_HEAD_BYTES + 5, frame.length - 1]) {
      const memory = new Memory(vm.memory.size);
      const machine = destinationAfterSetup(memory, vm);
      const bytes = frame.slice();
      if (flip >= 0) bytes[flip]! ^= 1;
      const head = bytes.subarray(0, PAGES_HEAD_BYTES);
      const into = machine.placement(MAIN, head)!;
      into.set(bytes.subarray(PAGES_HEAD_BYTES));
      machine.handle(0, { kind: "received", lane: MAIN, bytes: head, placed: into });
      if (flip < 0) {
        expect(machine.status).toBe("active");
        expect(memory.bytes.subarray(2 * PAGE_SIZE, 5 * PAGE_SIZE)).toEqual(data);
      } else {
        expect(machine.status).toBe("failed");
        expect(machine.error).toMatch(/^migration stream: frame 1 \(pages\): /);
        expect(machine.error).not.toContain("\n");
      }
    }
  });
});

/** A simulated stop-copy of the memwriter whose first page frame is replaced by `lie(frame, the source's memory)`. */
function lied(lie: (page: FrameOf<"page">, memory: Memory) => Uint8Array) {
  const { host, restored } = recordingHost();
  const source = boot(memwriter);
  source.run(30_000);
  let told = false;
  const rewrite = (n: number, bytes: Uint8Array): Uint8Array => {
    if (told || n === 0 || bytes[0] !== FRAME_CODE.page) return bytes;
    told = true;
    return lie(decodeFrame(bytes, n - 1) as FrameOf<"page">, source.memory);
  };
  const result = migrate(source, { strategy: "stop-copy", host, faults: { rewrite } });
  return { source, result, live: [source, ...restored].filter((vm) => !vm.destroyed) };
}

const run = (page: FrameOf<"page">, first = page.index, data = page.data) => encodeFrame({ type: "pages", first, round: page.round, data });

describe("a simulated link that lies in a run of pages", () => {
  const cases: { label: string; lie: (page: FrameOf<"page">, memory: Memory) => Uint8Array; error: RegExp }[] = [
    { label: "a run past the end of memory", lie: (p, memory) => run(p, memory.pageCount - 1, pagesOf(2)), error: /\(pages\): pages \d+\.\.\d+ are outside memory \(\d+ pages\)$/ },
    { label: "a run whose first page number wraps", lie: (p) => run(p, 0xffffffff, pagesOf(2)), error: /\(pages\): pages 4294967295\.\.4294967296 are outside memory/ },
    { label: "bytes that are not whole pages", lie: (p) => run(p, p.index, pagesOf(2).subarray(0, PAGE_SIZE + 1)), error: /\(pages\): carries 4097 bytes, not a whole number of pages$/ },
    { label: "no pages at all", lie: (p) => run(p, p.index, new Uint8Array(0)), error: /\(pages\): carries 0 bytes, not a whole number of pages$/ },
    {
      label: "a page changed under its CRC",
      lie: (p) => {
        const bytes = run(p, p.index, pagesOf(3));
        bytes[bytes.length - 100]! ^= 1;
        return bytes;
      },
      error: /\(pages\): checksum mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/,
    },
    ...[1, 9, 10, 21, 22, 23, 22 + PAGE_SIZE - 1, 22 + 2 * PAGE_SIZE - 1].map((cut) => ({
      label: `a run cut after byte ${cut}`,
      lie: (p: FrameOf<"page">) => run(p, p.index, pagesOf(2)).subarray(0, cut),
      error: /: truncated/,
    })),
  ];

  it.each(cases)("$label: failed in one line, and the guest goes on at the source", ({ lie, error }) => {
    const { source, result, live } = lied(lie);
    const s = result.stats;
    expect(s.status).toBe("failed");
    expect(s.error).not.toContain("\n");
    expect(s.error).toMatch(/^migration stream: frame \d+/);
    expect(s.error!.replace(/; the guest goes on at the source$/, "")).toMatch(error);
    expect(live).toEqual([source]);
    runToEnd(source);
    expect({ output: source.output, ticks: source.ticks, memoryCrc: crc32(source.memory.bytes) }).toEqual(reference(memwriter));
  });

  it("a run that tells the truth (the page and the next) is installed, and the guest ends as an unmigrated run", () => {
    // The guest is stopped: the next page as it is now is what its own frame brings again later.
    const { result } = lied((p, memory) => {
      const data = new Uint8Array(2 * PAGE_SIZE);
      data.set(p.data);
      data.set(memory.page(p.index + 1), PAGE_SIZE);
      return run(p, p.index, data);
    });
    expect(result.stats.status, String(result.stats.error)).toBe("completed");
    runToEnd(result.vm);
    expect({ output: result.vm.output, ticks: result.vm.ticks, memoryCrc: crc32(result.vm.memory.bytes) }).toEqual(reference(memwriter));
  });
});

describe("the real driver's runs of pages", () => {
  let current: RealRun | null = null;
  afterEach(async () => {
    await closeRun(current);
    current = null;
  });

  async function framesOf(options: Parameters<typeof startRealMigration>[2]): Promise<{ pages: number[]; single: number }> {
    const r = (current = await startRealMigration(WRITER, 10_000, options));
    const pages: number[] = [];
    let single = 0;
    r.out.on("frame", (direction: string, bytes: Uint8Array, length: number) => {
      if (direction !== "forward") return;
      if (bytes[0] === FRAME_CODE.pages) pages.push(length);
      if (bytes[0] === FRAME_CODE.page) single++;
    });
    const [out, incoming] = await results(r);
    expect(out.status, String(out.error)).toBe("completed");
    expect(incoming.status, String(incoming.error)).toBe("completed");
    expect(await finish(r, out)).toEqual(reference(WRITER));
    return { pages, single };
  }

  it("stop-copy sends the stopped guest's plain pages in runs longer than a slab holds, up to MAX_GATHERED_RUN_PAGES", async () => {
    const { pages } = await framesOf({ strategy: "stop-copy" });
    expect(pages.length).toBeGreaterThan(0);
    expect(Math.max(...pages)).toBeGreaterThan(pagesFrameBytes(MAX_RUN_PAGES));
    expect(Math.max(...pages)).toBeLessThanOrEqual(pagesFrameBytes(MAX_GATHERED_RUN_PAGES));
  });

  it("under a bandwidth limit, no run is larger than the token bucket's burst", async () => {
    const { pages } = await framesOf({ strategy: "pre-copy", bandwidth: 4_000_000 });
    expect(pages.length).toBeGreaterThan(0);
    expect(Math.max(...pages)).toBeLessThanOrEqual(pagesFrameBytes((64 << 10) / PAGE_SIZE));
  });

  it("with XBZRLE, pages go one by one as before", async () => {
    const { pages, single } = await framesOf({ strategy: "pre-copy", bandwidth: 4_000_000, xbzrleCache: 1 << 20 });
    expect(pages).toEqual([]);
    expect(single).toBeGreaterThan(0);
  });
});

describe("a snapshot file and the pages frame", () => {
  const vm = boot(memwriter);
  vm.run(30_000);
  const snapshot = encodeSnapshot(vm);
  const withVersion = (version: number) => {
    const bytes = snapshot.slice();
    bytes[6] = version;
    bytes[7] = 0;
    return bytes;
  };

  it("one written in version 4 (no pages frames) is still read; one of version 3 is refused in one line", () => {
    expect(crc32(decodeSnapshot(withVersion(4)).memory.bytes)).toBe(crc32(vm.memory.bytes));
    expect(errorOf(() => decodeSnapshot(withVersion(3)))).toBe("migration stream: format version 3 is not supported (this toyvmm reads 4 and 5)");
  });

  it("a run of pages in it is installed as its pages would be", () => {
    const frames = decodeStream(snapshot);
    const at = frames.findIndex((f) => f.type === "page");
    const page = frames[at] as FrameOf<"page">;
    frames[at] = { type: "pages", first: page.index, round: 0, data: page.data };
    expect(crc32(decodeSnapshot(encodeStream(frames)).memory.bytes)).toBe(crc32(vm.memory.bytes));
  });
});

/**
 * The destination's decompression on the virtual driver (virtual/decompress-queue.ts): each
 * compressed page costs it `decompressCostPs` a byte, one page at a time, and a frame behind
 * it waits. Where the destination keeps up it hides behind the wire; where it does not, it is
 * the switch-over's delay and post-copy's fault service's.
 */
import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../../isa/arch.js";
import { runCli } from "../../vmm/cli/main.js";
import { encodedStopCopyModel } from "../../vmm/migration/model.js";
import { DEFAULTS } from "../../vmm/migration/options.js";
import { encodeFrame } from "../../vmm/migration/stream/codec.js";
import { MEMWRITER, migratedRun, reference, type Guest } from "./helpers.js";

const workload: Guest = { label: "memwriter-decompress", path: MEMWRITER, args: "pages=128 rate=10000 iters=12", vm: "process" };
const at = 3 * 128 * 100;
const slow = { bandwidth: 10_000_000, speed: 1_500_000, downtimeTargetNs: 1_500_000, compress: true } as const;

describe("decompression at the destination", () => {
  it("costs decompressCostPs a byte of every compressed page (750 ps by default), and hides behind the wire while the destination keeps up", () => {
    const free = migratedRun(workload, at, { strategy: "stop-copy", ...slow, decompressCostPs: 0 }).result.stats;
    const { outcome, result } = migratedRun(workload, at, { strategy: "stop-copy", ...slow });
    const s = result.stats;
    expect(DEFAULTS.decompressCostPs).toBe(750);
    expect(s.decompressNs).toBe(s.compression!.pages * ((PAGE_SIZE * 750) / 1000));
    expect(free.decompressNs).toBe(0);
    // 3 µs a page against 4 µs of the source's compression: the destination is never behind.
    expect(s.downtimeNs).toBe(free.downtimeNs);
    expect(outcome).toEqual(reference(workload));
    expect(migratedRun(workload, at, { strategy: "stop-copy", bandwidth: 10_000_000 }).result.stats.decompressNs).toBeUndefined();
  });

  it("stop-copy: a destination slower than the source delays the switch-over, as the model says", () => {
    const decompressCostPs = 20_000;
    const { outcome, result, source } = migratedRun(workload, at, { strategy: "stop-copy", ...slow, decompressCostPs });
    const s = result.stats;
    const free = migratedRun(workload, at, { strategy: "stop-copy", ...slow, decompressCostPs: 0 }).result.stats;
    expect(s.downtimeNs).toBeGreaterThan(free.downtimeNs + 1_000_000);
    const stateBytes = encodeFrame({ type: "state", json: JSON.stringify(source.save()) }).length;
    const r0 = s.rounds[0]!;
    const model = encodedStopCopyModel(r0.bytes, stateBytes, slow.bandwidth, DEFAULTS.latencyNs, {
      dataPages: r0.pages - r0.zeroPages, wholeBytes: 0, deltaBytes: null, cpuNsPerPage: (PAGE_SIZE * DEFAULTS.compressCostPs) / 1000, decompressNsPerPage: (PAGE_SIZE * decompressCostPs) / 1000,
    });
    expect(Math.abs(model.downtimeNs - s.downtimeNs) / s.downtimeNs).toBeLessThan(0.01);
    expect(outcome).toEqual(reference(workload));
  });

  it("pre-copy: the rounds end at the source as before; the switch-over waits for the destination", () => {
    const free = migratedRun(workload, at, { strategy: "pre-copy", ...slow, decompressCostPs: 0 }).result.stats;
    const { outcome, result } = migratedRun(workload, at, { strategy: "pre-copy", ...slow, decompressCostPs: 20_000 });
    const s = result.stats;
    expect(s.status).toBe("completed");
    expect(s.downtimeNs).toBeGreaterThan(free.downtimeNs);
    expect(s.totalNs).toBeGreaterThan(free.totalNs);
    expect(outcome).toEqual(reference(workload));
  });

  it("post-copy: a page the guest waits for waits for its decompression too", () => {
    const free = migratedRun(workload, at, { strategy: "post-copy", ...slow, decompressCostPs: 0 }).result.stats;
    const { outcome, result } = migratedRun(workload, at, { strategy: "post-copy", ...slow, decompressCostPs: 5000 });
    const s = result.stats;
    expect(s.postcopyRequests).toBeGreaterThan(0);
    expect(s.postcopyStallNs).toBeGreaterThan(free.postcopyStallNs);
    expect(s.decompressNs).toBe(s.compression!.pages * ((PAGE_SIZE * 5000) / 1000));
    expect(outcome).toEqual(reference(workload));
  });

  it("toyvmm migrate --decompress-cost: in the statistics; without --compress, or a cost without a unit, one line and exit 1", async () => {
    const text = (x: string | Uint8Array) => (typeof x === "string" ? x : new TextDecoder().decode(x));
    const cli = async (...extra: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const io = { stdout: { write: (x: string | Uint8Array) => out.push(text(x)) }, stderr: { write: (x: string | Uint8Array) => err.push(text(x)) } };
      const argv = ["migrate", MEMWRITER, "--args", workload.args, "--strategy", "stop-copy", "--at", String(at), "--bandwidth", "10MB/s", ...extra];
      return { status: await runCli(argv, io), err: err.join("") };
    };
    const ran = await cli("--compress", "--decompress-cost", "20ns");
    expect(ran.status).toBe(0);
    expect(ran.err).toMatch(/^compression +132 pages compressed in 8793 bytes \(534255 saved\), 0 incompressible, 540\.672 us compressing, 10\.813 ms decompressing$/m);
    expect(ran.err).toMatch(/^downtime +11\.870 ms$/m);
    expect(await cli("--decompress-cost", "1ns")).toEqual({ status: 1, err: "toyvmm: --decompress-cost: is what --compress costs the destination; give --compress too\n" });
    const bad = await cli("--compress", "--decompress-cost", "3");
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/^toyvmm: --decompress-cost .*\n$/);
  });

  it("the cost is checked", () => {
    expect(() => migratedRun(workload, at, { strategy: "stop-copy", compress: true, decompressCostPs: 2_000_000 })).toThrow(/^decompression cost 2000000 ps a byte: expected a whole number from 0 to 1000000/);
  });
});

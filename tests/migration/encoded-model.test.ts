/**
 * The encoded pre-copy model (encodedPreCopyModel, vmm/migration/model.ts) against the engine,
 * on memwriter sweeping 128 pages, one write every 100 ticks (D = speed/100 pages/s), over
 * 100 MB/s: compression, and XBZRLE with its cache warming up (round 1 resends only the pages
 * written after round 0 sent them, so the first resends of the rest are misses).
 *
 * Where the model applies: the guest dirties pages slower than the link sends them as page
 * frames (D·frame < B), and neither 3% more or less D nor 8% more or less working set (whether
 * the cache holds a round yet hangs on the pages the writer wrote ahead of the sender in round 0)
 * changes the model's rounds. Where
 * D·frame ≥ B the writer and the sender sweep memory in lock-step, and which pages round 1
 * holds depends on their phase: the last test shows the model off there.
 */
import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "../../isa/arch.js";
import { encodedPreCopyModel, sensitiveToDirtyRate, sensitiveToWarmUp, type PageEncodingModel, type PreCopyModelInput } from "../../vmm/migration/model.js";
import { DEFAULTS } from "../../vmm/migration/options.js";
import { PAGE_FRAME_BYTES } from "../../vmm/migration/pages.js";
import { encodeFrame } from "../../vmm/migration/stream/codec.js";
import { MEMWRITER, migratedRun, type Guest } from "./helpers.js";

const workload: Guest = { label: "memwriter-encoded-model", path: MEMWRITER, args: "pages=128 rate=10000 iters=40", vm: "process" };
const at = 3 * 128 * 100;
const bandwidth = 100_000_000;
const latencyNs = 1_000_000;
const targetNs = 1_200_000;
/** memwriter's delta: one counter changed in a page (its frame). */
const DELTA_FRAME_BYTES = 27;
/** A point is at the edge when 3% more or less D changes the rounds (as in model-converge.test.ts), or 8% more or less working set (the warm-up's edge). */
const EDGE = 0.03;

function compare(speed: number, options: { xbzrleCache?: number; compress?: boolean; decompressCostPs?: number }) {
  const { result, source } = migratedRun(workload, at, { strategy: "pre-copy", speed, latencyNs, downtimeTargetNs: targetNs, ...options });
  const s = result.stats;
  const stateBytes = encodeFrame({ type: "state", json: JSON.stringify(source.save()) }).length;
  const c = s.compression;
  const input: PreCopyModelInput = { memoryBytes: s.rounds[0]!.bytes, pageBytes: PAGE_FRAME_BYTES, dirtyPagesPerSecond: speed / 100, workingSetPages: 128, bandwidth, latencyNs, stateBytes, downtimeTargetNs: targetNs, maxRounds: 30 };
  const encoding: PageEncodingModel = {
    dataPages: s.rounds[0]!.pages - s.rounds[0]!.zeroPages,
    wholeBytes: c ? c.bytes / c.pages : PAGE_FRAME_BYTES,
    deltaBytes: s.xbzrle ? DELTA_FRAME_BYTES : null,
    cpuNsPerPage: c ? PAGE_SIZE : 0,
    decompressNsPerPage: c ? (PAGE_SIZE * (options.decompressCostPs ?? DEFAULTS.decompressCostPs)) / 1000 : 0,
  };
  const model = encodedPreCopyModel(input, encoding);
  const sensitive = sensitiveToDirtyRate(input, model.rounds, EDGE, (m) => encodedPreCopyModel(m, encoding)) || sensitiveToWarmUp(input, encoding, model.rounds);
  return { s, model, sensitive };
}

const error = (model: number, measured: number) => Math.abs(model - measured) / measured;

describe("the encoded pre-copy model against the engine", () => {
  it.each([1_500_000, 2_500_000, 4_000_000])("compression at %i instructions/s: rounds, bytes and downtime within 10%", (speed) => {
    const { s, model } = compare(speed, { compress: true });
    expect(s.status).toBe("completed");
    expect(s.rounds.length).toBe(model.rounds);
    expect(error(model.totalBytes, s.bytesSent)).toBeLessThan(0.1);
    expect(error(model.downtimeNs, s.downtimeNs)).toBeLessThan(0.1);
  });

  it.each([1_500_000, 2_500_000, 4_000_000])("compression with a destination slower than the source (20 ns a byte) at %i instructions/s: the switch-over waits for it, within 10%", (speed) => {
    const { s, model } = compare(speed, { compress: true, decompressCostPs: 20_000 });
    expect(s.status).toBe("completed");
    expect(s.rounds.length).toBe(model.rounds);
    expect(error(model.totalBytes, s.bytesSent)).toBeLessThan(0.1);
    expect(error(model.downtimeNs, s.downtimeNs), `downtime ${s.downtimeNs}, model ${Math.round(model.downtimeNs)}`).toBeLessThan(0.1);
    expect(error(model.totalNs, s.totalNs), `total ${s.totalNs}, model ${Math.round(model.totalNs)}`).toBeLessThan(0.1);
  });

  it("XBZRLE with its cache warming up: within 10% wherever D·frame < B, away from the edges", () => {
    const checked: number[] = [];
    for (const speed of [800_000, 900_000, 1_000_000, 1_100_000, 1_250_000, 1_400_000, 1_500_000, 1_600_000, 1_700_000, 1_750_000, 1_900_000, 2_000_000, 2_100_000, 2_250_000, 2_300_000, 2_400_000]) {
      const { s, model, sensitive } = compare(speed, { xbzrleCache: 1 << 20 });
      expect(s.status).toBe("completed");
      if (sensitive) continue;
      checked.push(speed);
      expect(s.rounds.length, `rounds at ${speed}`).toBe(model.rounds);
      expect(error(model.totalBytes, s.bytesSent), `bytes at ${speed}`).toBeLessThan(0.1);
      expect(error(model.downtimeNs, s.downtimeNs), `downtime at ${speed}: ${s.downtimeNs}, model ${Math.round(model.downtimeNs)}`).toBeLessThan(0.1);
      // The warm-up is what the model gets right: rounds 1 and 2 resend plain pages, a later round deltas.
      expect(s.xbzrle!.misses).toBeGreaterThan(s.rounds[1]!.pages);
    }
    expect(checked.length).toBeGreaterThanOrEqual(8);
  });

  it("XBZRLE where D·frame ≥ B: the writer's phase against the sender decides round 1, and the model is off", () => {
    const off = [3_000_000, 4_000_000].map((speed) => {
      const { s, model } = compare(speed, { xbzrleCache: 1 << 20 });
      expect(s.status).toBe("completed");
      expect((speed / 100) * PAGE_FRAME_BYTES).toBeGreaterThanOrEqual(bandwidth);
      return error(model.downtimeNs, s.downtimeNs);
    });
    expect(Math.max(...off)).toBeGreaterThan(0.1);
  });
});

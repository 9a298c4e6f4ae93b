/**
 * XBZRLE and compression over loopback TCP: the same state machines as on the simulated link,
 * so the pages travel as deltas and LZ4 blocks between real sockets and the guest ends as an
 * unmigrated run; the cost of compressing is the wall time it takes.
 */
import { afterEach, describe, expect, it } from "vitest";
import { reference } from "./helpers.js";
import { closeRun, finish, type RealRun, results, startRealMigration, WRITER } from "./real-helpers.js";

let run: RealRun | null = null;
afterEach(async () => {
  await closeRun(run);
  run = null;
});

describe("fewer bytes over TCP", () => {
  for (const strategy of ["pre-copy", "post-copy"] as const) {
    it(`${strategy} with XBZRLE and compression completes, and the guest ends as an unmigrated run`, async () => {
      run = await startRealMigration(WRITER, 20_000, { strategy, xbzrleCache: 1 << 20, compress: true });
      const [out, incoming] = await results(run);
      expect(out.status, String(out.error)).toBe("completed");
      expect(incoming.status, String(incoming.error)).toBe("completed");
      expect(out.stats.compression!.pages).toBeGreaterThan(0);
      expect(out.stats.xbzrle!.cacheBytes).toBe(1 << 20);
      expect(out.stats.compressNs).toBeUndefined();
      expect(await finish(run, out)).toEqual(reference(WRITER));
    });
  }
});

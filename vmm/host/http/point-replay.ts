/**
 * A point of a results directory (`toyvmm experiment --out DIR`) migrated again on the
 * simulated link and recorded for the web view. Simulated time is exact, so the recording is
 * the point's migration as the sweep ran it: the same guest image (checked against the
 * directory's experiment.json), the same parameters (its results.json row), the same run up
 * to the migration point, the same migration options.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { UserError } from "../../../isa/errors.js";
import { encodeImage } from "../../../isa/image/format.js";
import { readFileBytes } from "../../../isa/user-files.js";
import { bootGuest, loadGuest } from "../../experiment/guest.js";
import { bootRequest } from "../../experiment/plan.js";
import { migrationOptionsOf } from "../../experiment/run.js";
import type { Point } from "../../experiment/sweep.js";
import { migrate } from "../../migration/engine.js";
import { ANY_HOST } from "../../migration/index.js";
import { MigrationRecorder, type Recording } from "./recording.js";

const JSON_MAX = { limit: 64 << 20, what: "a results file", streams: false };

function readJson(path: string): Record<string, unknown> {
  const text = new TextDecoder().decode(readFileBytes(path, JSON_MAX));
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new UserError(`${path}: not JSON`);
  }
}

/** Checks `dir` against `guestPath` now; returns the recorder of its points. */
export function pointReplayer(dir: string, guestPath: string): (point: number) => Recording {
  const manifest = readJson(join(dir, "experiment.json"));
  const results = readJson(join(dir, "results.json"));
  const guest = loadGuest(guestPath, "--results guest");
  const sha = createHash("sha256").update(encodeImage(guest.image)).digest("hex");
  if (manifest.image_sha256 !== sha) {
    throw new UserError(
      `--results ${dir}: its experiment ran another image (sha256 ${String(manifest.image_sha256).slice(0, 12)}…), not ${guestPath} (${sha.slice(0, 12)}…)`,
    );
  }
  const rows = Array.isArray(results.rows) ? (results.rows as { point: number; params: Point }[]) : [];
  return (index) => {
    const row = rows.find((r) => r.point === index);
    if (!row) throw new UserError(`${join(dir, "results.json")}: no point ${index} (it has ${rows.length})`);
    const point = row.params;
    const where = `${join(dir, "results.json")}: point ${index}`;
    const vm = bootGuest(guest, bootRequest(point), where);
    vm.run(point.at as number);
    const recorder = new MigrationRecorder(vm, guest.name);
    const { strategy, pushOrder, link, converge, encoding } = migrationOptionsOf(point);
    const result = migrate(vm, { strategy, host: ANY_HOST, pushOrder, onTransmit: recorder.onTransmit, ...link, ...converge, ...encoding });
    const kind = point.machine === "process" ? "process" : "monitor";
    return recorder.finish(result, kind, {
      bandwidth: link.bandwidth,
      downtimeTargetNs: link.downtimeTargetNs,
      maxRounds: link.maxRounds,
      postcopyAfter: null,
      xbzrleCache: encoding.xbzrleCache,
      compress: encoding.compress,
    });
  };
}

/**
 * Joining the folders of a sharded sweep (`--shard K/N` runs, shard.ts) into the rows one whole
 * run gives. Each folder must hold a shard of this very experiment (its experiment.json equal
 * but for `shard`), every shard 1…N exactly once, each with all its points finished; every line
 * is checked as --resume checks it, so the merged files equal one run's to the byte.
 */
import { join } from "node:path";
import { UserError } from "../../isa/errors.js";
import { differences, manifestOf, MANIFEST, readManifest, RESULTS_CSV } from "./out-dir.js";
import type { ExperimentPlan } from "./plan.js";
import { finishedRows } from "./resume.js";
import type { Row } from "./row.js";
import { parseShard, shardPoints, shardText, type Shard } from "./shard.js";
import { thousands } from "./sweep.js";

export function mergeShards(plan: ExperimentPlan, dirs: string[]): Row[] {
  if (dirs.length === 0) throw new UserError("--merge: give the folders of the shards to join");
  const total = plan.points.length;
  const seen = new Map<number, string>();
  let first: { dir: string; shard: Shard } | null = null;
  const rows: Row[] = new Array(total);
  for (const dir of dirs) {
    const path = join(dir, MANIFEST);
    const theirs = readManifest(path);
    if (typeof theirs.shard !== "string") throw new UserError(`${path}: not the manifest of a shard (run with --shard K/N writes one)`);
    const shard: Shard = parseShard(theirs.shard, `${path}: shard`);
    const differ = differences(path, manifestOf(plan, shard));
    if (differ.length > 0) throw new UserError(`${path}: a shard of another experiment (its ${differ.join(", ")} differ${differ.length === 1 ? "s" : ""})`);
    if (first && shard.count !== first.shard.count) {
      throw new UserError(`${path}: shard ${shardText(shard)}, but ${first.dir} holds shard ${shardText(first.shard)}: the shards of one split are joined`);
    }
    first ??= { dir, shard };
    if (seen.has(shard.index)) throw new UserError(`${path}: shard ${shardText(shard)} again (also in ${seen.get(shard.index)})`);
    seen.set(shard.index, dir);
    const indices = shardPoints(total, shard);
    const finished = finishedRows(join(dir, RESULTS_CSV), plan, indices, { repair: false });
    if (finished.length < indices.length) {
      throw new UserError(`${join(dir, RESULTS_CSV)}: shard ${shardText(shard)} has ${thousands(finished.length)} of its ${thousands(indices.length)} points finished; run it again with --resume`);
    }
    for (const row of finished) rows[row.point] = row;
  }
  const count = first!.shard.count;
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length > 0) throw new UserError(`--merge: shard${missing.length === 1 ? "" : "s"} ${missing.map((k) => `${k}/${count}`).join(", ")} missing`);
  return rows;
}

/**
 * `--shard K/N`: one of N slices of a sweep, for running it on several machines (a Slurm array
 * job, GNU parallel). Point i belongs to shard (i mod N) + 1, so every shard gets points from
 * all over the sweep — the first axis varies slowest, and a slice of consecutive points would
 * give one shard all of its slowest values. Each shard's rows are still in point order.
 */
import { UserError } from "../../isa/errors.js";

export interface Shard {
  /** 1-based, as schedulers number their tasks. */
  index: number;
  count: number;
}

/** `2/8` → { index: 2, count: 8 }. */
export function parseShard(text: string, where: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count || !Number.isSafeInteger(count)) {
    throw new UserError(`${where}: ${JSON.stringify(text)}: expected K/N with 1 ≤ K ≤ N, such as 1/4`);
  }
  return { index, count };
}

export const shardText = (shard: Shard): string => `${shard.index}/${shard.count}`;

/** The indices of the points of `total` that `shard` runs (all of them without a shard), in order. */
export function shardPoints(total: number, shard: Shard | null): number[] {
  const points: number[] = [];
  const step = shard?.count ?? 1;
  for (let i = (shard?.index ?? 1) - 1; i < total; i += step) points.push(i);
  return points;
}

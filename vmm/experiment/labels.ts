/**
 * Plot titles for guest arguments, which toyvmm cannot know the units of. memwriter, the
 * project's migration workload (programs/memwriter.s, found by its symbols ws_base and
 * ws_pages as check.ts finds it), has its own; a spec's `labels` name any axis's title.
 */
import type { GuestImage } from "../../isa/image/model.js";

const MEMWRITER: Record<string, string> = {
  "args.pages": "working set (pages)",
  "args.rate": "dirty rate (page writes per 10^6 instructions)",
  "args.iters": "sweeps (0 = forever)",
};

export function guestLabels(image: GuestImage): Record<string, string> {
  const has = (name: string) => image.symbols.some((s) => s.name === name);
  return has("ws_base") && has("ws_pages") ? MEMWRITER : {};
}

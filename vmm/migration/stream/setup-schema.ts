/**
 * The setup frame's own fields as a destination accepts them: a name, a memory `Memory` can
 * have, this toyvmm's page size, a known strategy. Its config is JSON whatever host rebuilds
 * the VM checks (`VmHost.checkConfig`).
 */
import { PAGE_SIZE } from "../../../isa/arch.js";
import { memorySize, NAME_MAX, record, text, wholeNumber, z } from "../../../isa/schema.js";
import { STRATEGIES } from "./frames.js";

export const setupFrameSchema = record({
  type: z.literal("setup"),
  name: text(NAME_MAX),
  memorySize,
  pageSize: z.literal(PAGE_SIZE, { error: `expected ${PAGE_SIZE}, this toyvmm's page size` }),
  strategy: wholeNumber(0, STRATEGIES.length - 1),
  config: z.string(),
});

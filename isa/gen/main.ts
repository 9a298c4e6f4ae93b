/**
 * Writes the files generated from the instruction table. `npm run generate`; a test fails
 * when a committed copy is stale.
 */
import { writeFileSync } from "node:fs";
import { GENERATED } from "./files.js";

for (const { path, source } of GENERATED) {
  writeFileSync(new URL(`../../../${path}`, import.meta.url), source());
  console.log(`wrote ${path}`);
}

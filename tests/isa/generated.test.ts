/** Every file generated from the instruction table is current. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED } from "../../isa/gen/files.js";

const root = join(import.meta.dirname, "../..");

describe("generated files", () => {
  it.each(GENERATED.map((g) => [g.path, g] as const))("%s is up to date", (path, { source }) => {
    const onDisk = readFileSync(join(root, path), "utf8");
    expect(onDisk === source(), `${path} is stale: run \`npm run generate\``).toBe(true);
  });
});

/** The protocol reference in docs/HOSTS.md is the one the schemas give. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { withProtocolReference } from "../../vmm/host/gen/protocol-doc.js";

describe("docs/HOSTS.md", () => {
  it("has the protocol reference of the current schemas", () => {
    const page = readFileSync("docs/HOSTS.md", "utf8");
    expect(page === withProtocolReference(page), "docs/HOSTS.md is stale: run `npm run generate`").toBe(true);
  });
});

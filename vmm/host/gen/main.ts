/**
 * Regenerates the protocol reference in docs/HOSTS.md from the protocol's schemas
 * (`npm run generate`); tests/host/generated.test.ts fails when the page is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { withProtocolReference } from "./protocol-doc.js";

const HOSTS_DOC = "docs/HOSTS.md";

const url = new URL(`../../../../${HOSTS_DOC}`, import.meta.url);
writeFileSync(url, withProtocolReference(readFileSync(url, "utf8")));
console.log(`wrote ${HOSTS_DOC}`);

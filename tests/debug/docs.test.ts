/** docs/DEBUGGING.md's command reference is the debugger's own command table. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../vmm/debug/commands.js";

describe("docs/DEBUGGING.md", () => {
  it("lists every command with its usage and help, as `help` tells them", () => {
    const doc = readFileSync("docs/DEBUGGING.md", "utf8");
    for (const c of COMMANDS) {
      const aliases = c.aliases.length ? ` (also \`${c.aliases.join("`, `")}\`)` : "";
      expect(doc, c.name).toContain(
        `| \`${c.usage.replace(/\|/g, "\\|")}\` | ${c.help.replace(/\|/g, "\\|")}${aliases} |`,
      );
    }
  });
});

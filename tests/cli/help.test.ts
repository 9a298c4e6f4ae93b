/** Help reads well: laid out for 80 columns with words kept whole, and every example runs. */
import { describe, expect, it } from "vitest";
import { commandSpecs } from "./command-spec.js";
import { toyvmm } from "./run-cli.js";

describe("help text", () => {
  it("fits 80 columns and never breaks a word, for the program and every command", async () => {
    const specs = await commandSpecs();
    for (const argv of [["--help"], ...specs.map((s) => [s.name, "--help"])]) {
      const { code, stdout } = await toyvmm(argv);
      expect(code).toBe(0);
      for (const line of stdout.split("\n")) expect(line.length, `${argv.join(" ")}: ${line}`).toBeLessThanOrEqual(80);
      const words = new Set(stdout.split(/\s+/));
      const spec = specs.find((s) => s.name === argv[0]);
      for (const text of [...(spec?.texts ?? []), ...(spec?.examples ?? [])]) {
        for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
          expect(words.has(word), `${argv.join(" ")}: "${word}" is broken or missing`).toBe(true);
        }
      }
    }
  });

  it("answers --version, -v and -V with the version", async () => {
    const version = (await toyvmm(["--version"])).stdout;
    expect(version).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect((await toyvmm(["-v"])).stdout).toBe(version);
    expect((await toyvmm(["-V"])).stdout).toBe(version);
  });
});

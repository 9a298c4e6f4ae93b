/**
 * docs/EXPERIMENTS.md runs as written: every `$ toyvmm experiment …` block prints what the page
 * shows (tables to the digit, error lines to the letter), its spec is the bundled one, and its
 * library example runs. `--out results/` goes to a temporary folder instead.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../vmm/cli/main.js";

const PAGE = readFileSync("docs/EXPERIMENTS.md", "utf8");
const blocks = [...PAGE.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]! }));
const tmp = () => mkdtempSync(join(tmpdir(), "toyvmm-docs-"));
const text = (s: string | Uint8Array) => (typeof s === "string" ? s : new TextDecoder().decode(s));

interface Example {
  argv: string[];
  /** `# x.json: {…}`: the spec file the command reads. */
  spec?: string;
  expected: string;
}

/** `$ toyvmm experiment …` lines (continued by a trailing `\`), each with the lines after it. */
function examples(body: string): Example[] {
  const found: Example[] = [];
  const lines = body.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith("$ toyvmm ")) continue;
    let command = lines[i]!;
    while (command.endsWith("\\")) command = command.slice(0, -1) + lines[++i]!;
    const [shell, spec] = command.slice(2).split(/\s+# x\.json: /);
    const expected: string[] = [];
    while (i + 1 < lines.length && !lines[i + 1]!.startsWith("$ ")) expected.push(lines[++i]!);
    found.push({ argv: shell!.trim().split(/\s+/).slice(1), spec, expected: expected.join("\n").trimEnd() });
  }
  return found;
}

const all = blocks.flatMap((b) => examples(b.body));

describe("docs/EXPERIMENTS.md", () => {
  it("has the examples this test runs", () => {
    expect(all.filter((e) => e.spec === undefined)).toHaveLength(5);
    expect(all.filter((e) => e.spec !== undefined).length).toBeGreaterThanOrEqual(4);
  });

  for (const example of all) {
    it(`$ toyvmm ${example.argv.join(" ").slice(0, 70)}${example.spec ? ` (${example.spec.slice(0, 50)})` : ""}`, async () => {
      const out: string[] = [];
      const err: string[] = [];
      const io = { stdout: { write: (s: string | Uint8Array) => out.push(text(s)) }, stderr: { write: (s: string | Uint8Array) => err.push(text(s)) } };
      const dir = tmp();
      let argv = example.argv.map((a) => (a === "results/" ? dir : a));
      if (example.spec !== undefined) {
        writeFileSync(join(dir, "x.json"), example.spec);
        argv = argv.map((a) => (a === "x.json" ? join(dir, "x.json") : a));
        expect(await runCli(argv, io)).toBe(1);
        expect(err.join("").replaceAll(join(dir, "x.json"), "x.json")).toBe(`${example.expected}\n`);
        return;
      }
      expect(await runCli(argv, io)).toBe(0);
      expect(err.join("")).toBe("");
      expect(out.join("")).toBe(`${example.expected}\n`);
      // A plot the page shows (docs/experiments/plots/, or plots/EXPERIMENT/ for the plot of that bundled spec) is the one its command draws, byte for byte.
      for (const [, folder, name] of PAGE.matchAll(/\]\(experiments\/plots\/(?:([\w-]+)\/)?([\w-]+\.svg)\)/g)) {
        if (folder !== undefined && !argv.includes(`docs/experiments/${folder}.json`)) continue;
        if (argv.includes(dir) && readdirSync(dir).includes(name!)) expect(readFileSync(join(dir, name!), "utf8")).toBe(readFileSync(join("docs/experiments/plots", folder ?? "", name!), "utf8"));
      }
      if (argv.includes(dir) && argv.includes("docs/experiments/precopy-vs-dirty-rate.json")) {
        const files = readdirSync(dir).sort();
        for (const named of ["experiment.json", "results.csv", "results.json", "downtime-vs-rate.svg", "total-vs-rate.svg", "precopy-bytes-per-round.svg", "model-downtime-vs-rate.svg"]) {
          expect(files).toContain(named);
          expect(PAGE).toContain(`\`${named}\``);
        }
      }
    }, 180_000); // (the network experiment runs its guests' whole exchange: about 30 s)
  }

  it("shows the bundled spec of the worked example", () => {
    const shown = JSON.parse(blocks.find((b) => b.lang === "json")!.body) as Record<string, unknown>;
    const file = JSON.parse(readFileSync("docs/experiments/precopy-vs-dirty-rate.json", "utf8")) as Record<string, unknown>;
    expect(shown.description).toBe("…");
    expect({ ...shown, description: file.description }).toEqual(file);
  });

  it("runs the library example", async () => {
    const dir = tmp();
    const code = blocks.find((b) => b.lang === "ts")!.body
      .replace("./vmm/experiment/index.js", resolve("vmm/experiment/index.js"))
      .replace('"results/"', JSON.stringify(dir))
      .concat("\nexport const result = { rows, csv };\n");
    const file = join(dir, "example.ts");
    writeFileSync(file, code);
    const { result } = (await import(file)) as { result: { rows: unknown[]; csv: string } };
    expect(result.rows).toHaveLength(15);
    expect(readFileSync(join(dir, "results.csv"), "utf8")).toBe(result.csv);
  });
});

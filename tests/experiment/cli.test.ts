import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../vmm/cli/main.js";

const GUEST = "programs/memwriter.s";
const text = (s: string | Uint8Array) => (typeof s === "string" ? s : new TextDecoder().decode(s));
function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (s: string | Uint8Array) => out.push(text(s)) }, stderr: { write: (s: string | Uint8Array) => err.push(text(s)) } };
  return { io, out: () => out.join(""), err: () => err.join("") };
}
// After one whole sweep at rate=50 (32 pages × 20,000 instructions, plus 600 of start-up).
const inline = ["experiment", "--guest", GUEST, "--arg", "pages=32", "--arg", "iters=0", "--arg", "rate=50,400", "--strategy", "pre-copy,post-copy", "--latency", "100us", "--at", "640600"];

/** Tags nest and close: enough to tell a complete SVG from a truncated or garbled one. */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([A-Za-z][\w:.-]*)[^>]*?(\/?)>/g)) {
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else if (!m[3]) stack.push(m[2]!);
  }
  return stack.length === 0;
}

describe("toyvmm experiment", () => {
  it("prints a table of the swept parameters and results, and nothing on stderr when it is not a terminal", async () => {
    const c = capture();
    expect(await runCli(inline, c.io)).toBe(0);
    const lines = c.out().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^#\s+strategy\s+rate\s+status\s+total\s+downtime\s+rounds/);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^0\s+pre-copy\s+50\s+completed/);
    expect(lines[4]).toMatch(/^3\s+post-copy\s+400\s+completed/);
    expect(c.err()).toBe("");
  });

  it("--format csv prints the CSV that --out writes, and repeats byte for byte", async () => {
    const dir = mkdtempSync(join(tmpdir(), "toyvmm-exp-"));
    const a = capture();
    expect(await runCli([...inline, "--format", "csv", "--out", dir], a.io)).toBe(0);
    const b = capture();
    expect(await runCli([...inline, "--format", "csv"], b.io)).toBe(0);
    expect(b.out()).toBe(a.out());
    expect(readFileSync(join(dir, "results.csv"), "utf8")).toBe(a.out());
    const header = a.out().split("\n")[0]!;
    expect(header.startsWith("point,strategy,bandwidth,latency,")).toBe(true);
    expect(header).toContain(",machine,args.pages,args.iters,args.rate,status,total_ns,downtime_ns,");
    expect(header.endsWith(",model_downtime_err,model_bytes_err,model_note,memcheck,error")).toBe(true);
    for (const line of a.out().trimEnd().split("\n").slice(1)) expect(line).toMatch(/,process,32,0,(50|400),completed,.*,ok,$/);
    // numbers are whole (base units) or the model's errors to 4 decimals: no float noise
    for (const cell of a.out().trimEnd().split(/[\n,;]/)) if (/^-?\d/.test(cell)) expect(cell).toMatch(/^-?\d+(\.\d{1,4})?$/);
    const json = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(json.rows).toHaveLength(4);
    expect(json.rows[0].params["args.rate"]).toBe(50);
    expect(json.rows[0].results.round_bytes.length).toBe(json.rows[0].results.rounds);
  });

  it("writes well-formed SVG plots with their axis titles", async () => {
    const dir = mkdtempSync(join(tmpdir(), "toyvmm-exp-"));
    const c = capture();
    expect(await runCli([...inline, "--out", dir], c.io)).toBe(0);
    const svgs = readdirSync(dir).filter((f) => f.endsWith(".svg")).sort();
    expect(svgs).toEqual(["downtime-vs-rate.svg", "model-downtime-vs-rate.svg", "precopy-bytes-per-round.svg", "total-vs-rate.svg"]);
    const titles: Record<string, string[]> = {
      "downtime-vs-rate.svg": ["dirty rate (page writes per 10^6 instructions)", "downtime (ms)", "pre-copy", "post-copy"],
      "total-vs-rate.svg": ["dirty rate (page writes per 10^6 instructions)", "total time (ms)"],
      "precopy-bytes-per-round.svg": ["round (0: the first full copy)", "bytes in round (MB)", "rate=50", "rate=400"],
      "model-downtime-vs-rate.svg": ["measured", "model", "downtime (ms)"],
    };
    for (const file of svgs) {
      const svg = readFileSync(join(dir, file), "utf8");
      expect(svg.startsWith("<svg"), file).toBe(true);
      expect(wellFormed(svg), file).toBe(true);
      for (const title of titles[file]!) expect(svg, `${file}: ${title}`).toContain(`>${title}</text>`);
      expect(existsSync(join(dir, file.replace(/\.svg$/, ".vl.json")))).toBe(true);
    }
  });

  it("--plot chooses the plots", async () => {
    const dir = mkdtempSync(join(tmpdir(), "toyvmm-exp-"));
    const c = capture();
    const argv = ["experiment", "--guest", GUEST, "--strategy", "stop-copy", "--bandwidth", "10MB/s,100MB/s", "--at", "1000", "--out", dir, "--plot", "x=bandwidth,y=bytes"];
    expect(await runCli(argv, c.io), c.err()).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith(".svg"))).toEqual(["bytes-vs-bandwidth.svg"]);
    const svg = readFileSync(join(dir, "bytes-vs-bandwidth.svg"), "utf8");
    expect(svg).toContain(">bandwidth (MB/s)</text>");
    expect(svg).toContain(">bytes sent (MB)</text>");
  });

  it("runs a spec file, with command-line axes replacing the spec's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "toyvmm-exp-"));
    const spec = join(dir, "spec.json");
    writeFileSync(spec, JSON.stringify({ guest: join(process.cwd(), GUEST), base: { "args.pages": 16, "args.iters": 0, at: 2000 }, sweep: { strategy: ["stop-copy", "pre-copy", "post-copy"] } }));
    const c = capture();
    expect(await runCli(["experiment", spec, "--strategy", "post-copy", "--memory", "1MiB,2MiB", "--format", "csv"], c.io), c.err()).toBe(0);
    const rows = c.out().trimEnd().split("\n").slice(1);
    expect(rows.map((r) => r.split(",").slice(1, 2).concat(r.split(",")[7]!))).toEqual([
      ["post-copy", "1048576"],
      ["post-copy", "2097152"],
    ]);
  });

  const errors: [string, string[], RegExp | string][] = [
    ["a bad unit", ["experiment", "--guest", GUEST, "--bandwidth", "10MB/s,10XB/s"], /^toyvmm: --bandwidth\[1\] "10XB\/s": expected a number with a unit/],
    ["a bad --arg", ["experiment", "--guest", GUEST, "--arg", "rate"], 'toyvmm: --arg "rate": expected KEY=VALUE[,VALUE…] (argument 1)\n'],
    ["no guest", ["experiment"], "toyvmm: experiment: give a spec file or --guest (see toyvmm experiment --help)\n"],
    ["an unknown guest", ["experiment", "--guest", "nosuch"], /^toyvmm: --guest: guest: nosuch: no such bundled guest/],
    ["--plot without --out", ["experiment", "--guest", GUEST, "--plot", "x=at,y=downtime"], "toyvmm: --plot: plots are written to files; give --out DIR as well\n"],
    ["a bad plot", ["experiment", "--guest", GUEST, "--out", "/tmp/x", "--plot", "x=at"], /^toyvmm: --plot x=at: y: undefined is not a metric/],
  ];
  for (const [label, argv, message] of errors) {
    it(`rejects ${label} in one line, exit 1`, async () => {
      const c = capture();
      expect(await runCli(argv, c.io)).toBe(1);
      if (typeof message === "string") expect(c.err()).toBe(message);
      else expect(c.err()).toMatch(message);
      expect(c.err().trimEnd().split("\n")).toHaveLength(1);
      expect(c.out()).toBe("");
    });
  }

  it("names the spec file and field for a bad spec", async () => {
    const dir = mkdtempSync(join(tmpdir(), "toyvmm-exp-"));
    const spec = join(dir, "bad.json");
    writeFileSync(spec, JSON.stringify({ guest: "multi", sweep: { bandwith: ["1MB/s"] } }));
    const c = capture();
    expect(await runCli(["experiment", spec], c.io)).toBe(1);
    expect(c.err()).toBe(`toyvmm: ${spec}: sweep.bandwith: unknown axis "bandwith" (known: strategy, bandwidth, latency, downtime-target, max-rounds, speed, memory, at, push-order, machine, auto-converge, dirty-limit, postcopy-policy, postcopy-after, xbzrle-cache, compress, compress-cost, decompress-cost, request-rate, stream-time, args.KEY)\n`);
  });

  it("--help lists the axes and examples", async () => {
    const c = capture();
    expect(await runCli(["experiment", "--help"], c.io)).toBe(0);
    const help = c.out();
    for (const s of ["--bandwidth", "--downtime-target", "--memory", "--machine", "--arg", "--out", "--plot", "Examples:"]) expect(help).toContain(s);
    // whole example lines, each under what it does
    expect(help).toContain("  # docs/EXPERIMENTS.md's worked example\n  toyvmm experiment docs/experiments/precopy-vs-dirty-rate.json --out \\\n  results/\n");
    expect(help).toContain("  # memwriter migrated after its first sweep\n  toyvmm experiment --guest programs/memwriter.s --arg iters=0 --at 320600\n");
    for (const s of ["--force", "--resume", "--yes"]) expect(help).toContain(s);
  });
});

/**
 * A cold `toyvmm boot` or `toyvmm run` loads what running a guest needs and nothing else: not
 * zod and the state schemas (only restoring checks a state), not the other commands, the
 * debugger, the tracer, the network, pino or @node-rs/crc32. Each of those still loads when it
 * is asked for. Runs the built program (dist/) and lists what it loaded (tests/helpers/modules-loaded.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, modulesLoaded, type Loaded } from "../helpers/modules-loaded.js";

/** Packages and modules a plain boot or run must not load. */
const NOT_ON_BOOT = [
  "/node_modules/zod/",
  "/node_modules/pino",
  "/node_modules/@node-rs/crc32",
  "/node_modules/vega",
  "/node_modules/ws/",
  "/dist/isa/schema.js",
  "/dist/isa/asm/assembler.js",
  "/dist/vmm/monitor/state-schema.js",
  "/dist/vmm/process/state-schema.js",
  "/dist/vmm/migration/protocol/",
  "/dist/vmm/host/",
  "/dist/vmm/experiment/",
  "/dist/vmm/debug/session.js",
  "/dist/vmm/debug/trace.js",
  "/dist/vmm/debug/profile.js",
  "/dist/vmm/net/network.js",
  ...["asm", "disasm", "inspect", "migrate", "debug", "experiment", "host", "vm"].map((c) => `/dist/vmm/cli/${c}.js`),
];

const unexpected = ({ files }: Loaded) => files.filter((f) => NOT_ON_BOOT.some((part) => f.includes(part)));
const loads = ({ files }: Loaded, part: string) => files.some((f) => f.includes(part));

const dir = mkdtempSync(join(tmpdir(), "toyvmm-cold-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a cold start loads only what it runs", () => {
  it("boot of a bundled guest and run of a .tvm image", () => {
    const image = join(dir, "hello.tvm");
    execFileSync(process.execPath, [CLI, "asm", "programs/hello.s", "-o", image], { timeout: 30_000 });
    for (const args of [["boot", "solo"], ["run", image]]) {
      const loaded = modulesLoaded(args);
      expect(loads(loaded, "/dist/vmm/cli/main.js"), args.join(" ")).toBe(true);
      expect(loaded.stdout, args.join(" ")).toContain("ello");
      expect(unexpected(loaded), args.join(" ")).toEqual([]);
    }
  });

  it("--version alone loads no command; beside --help it loads them all, for the list", () => {
    const commandsOf = ({ files }: Loaded) => files.filter((f) => /\/dist\/vmm\/cli\/(asm|run|boot|host)\.js$/.test(f));
    const version = modulesLoaded(["--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(commandsOf(version)).toEqual([]);
    expect(commandsOf(modulesLoaded(["--version", "--help"]))).toHaveLength(4);
  });

  it("what an option asks for loads when it is given", () => {
    const traced = modulesLoaded(["boot", "solo", "--trace", "syscall", "--trace-file", join(dir, "solo.trace")]);
    expect(loads(traced, "/dist/vmm/debug/trace.js")).toBe(true);
    const networked = modulesLoaded(["boot", "solo", "--net", "--max-ticks", "100000"]);
    expect(loads(networked, "/dist/vmm/net/network.js")).toBe(true);
  });
});

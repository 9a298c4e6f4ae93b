/**
 * --trace and --profile on `boot --net`: every VM of the network traced and profiled, each line
 * naming its VM, and the run unchanged by it — consoles, captures, ticks and NIC counters equal
 * those of the same boot unobserved, computed here (the networked images change, so nothing of
 * theirs is pinned).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toyvmm } from "../net/cli.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm-net-observe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SERVER = "multi-net";
const CLIENT = "multi-net-2";
const ECHO = ["multi-net", "multi-net", "--net", "--args", `${SERVER}:run=tcpecho`, "--args", `${CLIENT}:run=tcpclient`, "--until", CLIENT];
const PING = ["guest-os/net-demo/reflector.s", "guest-os/net-demo/pinger.s", "--net", "--until", "pinger"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  captures: Map<string, Buffer>;
}

let runs = 0;
/** A boot with --capture into a directory of its own; the captures read back. */
async function boot(argv: string[], ...extra: string[]): Promise<Run> {
  const captures = join(dir, `caps-${runs++}`);
  const r = await toyvmm("boot", ...argv, "--capture", captures, ...extra);
  const files = new Map(readdirSync(captures).map((f) => [f, readFileSync(join(captures, f))]));
  return { ...r, captures: files };
}

/**
 * The --json report without the one counter a run stepped tick by tick changes (docs/DEBUGGING.md,
 * "The debugger never changes the guest"): a `wfi` whose wait is cut into ticks exits once a tick.
 */
function report(json: string) {
  const r = JSON.parse(json);
  for (const vm of r.vms) delete vm.stats.traps["privileged-instruction"];
  return r;
}

function expectSameRun(observed: Run, plain: Run): void {
  expect(observed.code).toBe(plain.code);
  expect(observed.captures.size).toBeGreaterThan(0);
  expect([...observed.captures.keys()]).toEqual([...plain.captures.keys()]);
  for (const [name, bytes] of plain.captures) expect(observed.captures.get(name)!.equals(bytes), name).toBe(true);
}

describe("boot --net --trace / --profile", () => {
  let plain: Run;
  beforeAll(async () => {
    plain = await boot(ECHO, "--json");
  });

  it("trace=syscall shows the socket calls of both VMs, and the run is the one without the trace", async () => {
    const file = join(dir, "echo.trace");
    const traced = await boot(ECHO, "--json", "--trace", "syscall", "--trace-file", file);
    expectSameRun(traced, plain);
    expect(traced.stderr).toBe(plain.stderr); // the consoles
    expect(report(traced.stdout)).toEqual(report(plain.stdout));

    const ticks = new Map(JSON.parse(plain.stdout).vms.map((v: { name: string; ticks: number }) => [v.name, v.ticks]));
    const calls = new Map<string, string[]>([[SERVER, []], [CLIENT, []]]);
    for (const line of readFileSync(file, "utf8").trimEnd().split("\n")) {
      const m = /^ *(\d+) (\S+) +[KU] .* trap syscall (\w+) -> /.exec(line);
      expect(m, line).not.toBeNull();
      const [, tick, vm, call] = m!;
      expect(calls.has(vm!), line).toBe(true);
      expect(Number(tick)).toBeLessThan(ticks.get(vm!) as number);
      calls.get(vm!)!.push(call!);
    }
    // What each console says it did, the trace shows it doing.
    const console = plain.stderr;
    expect(console).toContain(`[${SERVER}] pid 1: connection accepted`);
    expect(console).toContain(`[${CLIENT}] pid 1: connected to`);
    for (const call of ["socket", "bind", "listen", "accept", "recv", "send", "close", "write"]) expect(calls.get(SERVER)).toContain(call);
    for (const call of ["socket", "connect", "send", "recv", "close", "write", "exit"]) expect(calls.get(CLIENT)).toContain(call);
    expect(calls.get(CLIENT)).not.toContain("accept");
    expect(calls.get(SERVER)!.indexOf("listen")).toBeGreaterThan(calls.get(SERVER)!.indexOf("socket"));
  });

  it("a two-VM profile adds up to each VM's ticks, flat and folded, and the run is the one without it", async () => {
    const folded = join(dir, "echo.folded");
    const profiled = await boot(ECHO, "--profile", "--profile-folded", folded);
    expectSameRun(profiled, plain);
    expect(profiled.stdout).toBe(plain.stderr); // the consoles (on stderr with --json)

    const vms: { name: string; ticks: number }[] = JSON.parse(plain.stdout).vms;
    const text = profiled.stderr.split("\n");
    const foldedLines = readFileSync(folded, "utf8").trimEnd().split("\n");
    for (const { name, ticks } of vms) {
      const start = text.indexOf(`profile of ${name}: ${ticks} ticks`);
      expect(start, `${name}'s profile`).toBeGreaterThanOrEqual(0);
      let sum = 0;
      for (const row of text.slice(start + 2)) {
        const cells = /^\S+ +(\d+) +\d+ +[\d.]+% +\d+$/.exec(row);
        if (!cells) break;
        sum += Number(cells[1]);
      }
      expect(sum, name).toBe(ticks);
      const own = foldedLines.filter((l) => l.startsWith(`${name};`) || l.startsWith(`${name} `));
      expect(own.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0), name).toBe(ticks);
    }
  });

  it("trace=trap shows the reflector's network interrupts, bare as under the monitor, and changes neither run", async () => {
    for (const mode of [[], ["--bare"]]) {
      const unobserved = await boot(PING, "--json", ...mode);
      const file = join(dir, `ping${mode.join("")}.trace`);
      const traced = await boot(PING, "--json", "--trace", "trap", "--trace-file", file, ...mode);
      expectSameRun(traced, unobserved);
      expect(traced.stderr).toBe(unobserved.stderr);
      expect(report(traced.stdout)).toEqual(report(unobserved.stdout));
      const lines = readFileSync(file, "utf8").trimEnd().split("\n");
      const rxFrames = JSON.parse(unobserved.stdout).vms[0].nic.rxFrames;
      expect(rxFrames).toBeGreaterThan(0);
      const interrupts = lines.filter((l) => / reflector +K .* interrupt network-interrupt -> .*<handler>$/.test(l));
      expect(interrupts.length, lines.join("\n")).toBeGreaterThan(0);
      expect(interrupts.length).toBeLessThanOrEqual(rxFrames);
    }
  });
});

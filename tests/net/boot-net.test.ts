/** `toyvmm boot --net`: VMs on one simulated switch from the command line, captures, and its one-line errors. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parsePcap } from "../../vmm/net/pcap.js";
import { toyvmm } from "./cli.js";


const REFLECTOR = "guest-os/net-demo/reflector.s";
const PINGER = "guest-os/net-demo/pinger.s";
const dir = mkdtempSync(join(tmpdir(), "toyvmm-net-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("toyvmm boot --net", () => {
  it("runs a pinger against a reflector until the pinger ends; the reflector is stopped then, without error", async () => {
    const captures = join(dir, "caps");
    const r = await toyvmm("boot", REFLECTOR, PINGER, "--net", "--until", "pinger", "--capture", captures);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("[reflector] ..........\n[pinger] ..........\n");
    expect(r.stderr).toContain("reflector: stopped, still running when pinger ended");
    const frames = parsePcap(readFileSync(join(captures, "pinger.pcap")));
    expect(frames).toHaveLength(20);
  });

  it("--json reports each port's frames and the link's losses", async () => {
    const r = await toyvmm("boot", REFLECTOR, PINGER, "--net", "--until", "pinger", "--link", "loss=0.2", "--link", "reflector:latency=10us", "--seed", "5", "--json");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const [reflector, pinger] = report.vms;
    expect(reflector.outcome).toEqual({ kind: "stopped" });
    expect(pinger.outcome).toEqual({ kind: "exited", status: 0 });
    expect(pinger.port.mac).toBe("52:54:00:00:00:02");
    expect(pinger.port.sent.lost + reflector.port.sent.lost + pinger.port.received.lost + reflector.port.received.lost).toBeGreaterThan(0);
    expect(r.stderr).toContain("r"); // resent after a loss
  });

  it.each([
    [["boot", PINGER, "--link", "loss=0.1"], "--link needs --net"],
    [["boot", PINGER, "--net", "--link", "loss=2"], '--link loss "2": expected a share from 0 to 1, e.g. 0.01'],
    [["boot", PINGER, "--net", "--link", "delay=5ms"], '--link "delay=5ms": unknown parameter "delay" (latency, bandwidth, loss)'],
    [["boot", PINGER, "--net", "--link", "latency=5"], '--link latency "5": expected a number with a unit (ns, us, ms, s), e.g. 30ms or 250us'],
    [["boot", PINGER, "--net", "--link", "server:loss=0.1"], '--link "server:loss=0.1": no VM is called server (VMs: pinger)'],
    [["boot", PINGER, "--net", "--until", "server"], "--until server: no VM is called server (VMs: pinger)"],
  ])("%j is refused in one line", async (argv, message) => {
    const r = await toyvmm(...argv);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`toyvmm: ${message}\n`);
  });

  it("a VM alone on the network waits for frames that never come until --max-ticks", async () => {
    const r = await toyvmm("boot", REFLECTOR, "--net", "--max-ticks", "200000");
    expect(r.code).toBe(124);
  });
});

/**
 * Migration with open connections (`toyvmm migrate … --net`): a TCP echo server migrates to
 * host B with each strategy while a client on host A streams requests to it at a steady rate
 * and checks every byte that comes back. No byte is lost, duplicated or reordered; the client's
 * longest gap between answers (the service interruption) is reported beside the downtime, and
 * the run is the same every time.
 */
import { describe, expect, it } from "vitest";
import { toyvmm } from "./cli.js";

const RUN = ["multi-net", "multi-net", "--net", "--args", "multi-net:run=tcpecho", "--args", "multi-net-2:run=tcpstream requests=60 every=10000", "--at", "300000"];

const SERVER = [
  "[multi-net] [kernel] multi: round robin, quantum 500 instructions",
  "[multi-net] [kernel] started pid 1: tcpecho",
  "[multi-net] pid 1: tcp echo on port 7",
  "[multi-net] pid 1: connection accepted",
  "[multi-net] pid 1: connection closed, bytes echoed 1920",
];

/** The client's console: everything but its gap, which the migration decides. */
function client(gap: number, before: number): string[] {
  return [
    "[multi-net-2] [kernel] multi: round robin, quantum 500 instructions",
    "[multi-net-2] [kernel] started pid 1: tcpstream",
    "[multi-net-2] pid 1: connected to 10.0.0.1 port 7",
    "[multi-net-2] pid 1: answers 60",
    "[multi-net-2] pid 1: bytes out of place 0",
    `[multi-net-2] pid 1: longest gap between answers, ticks: ${gap}`,
    `[multi-net-2] pid 1: before answer ${before}`,
    "[multi-net-2] pid 1: verdict: every byte came back once and in order",
    "[multi-net-2] [kernel] all processes finished",
  ];
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");
const byVm = (text: string, vm: string) => lines(text).filter((l) => l.startsWith(`[${vm}] `));

describe("migrating a server with an open connection", () => {
  it("unmigrated, the client's longest gap is a few requests' spacing", async () => {
    const r = await toyvmm("boot", ...RUN.filter((a, i) => !(a === "--at" || RUN[i - 1] === "--at")), "--until", "multi-net-2");
    expect(r.code).toBe(0);
    expect(byVm(r.stdout, "multi-net-2")).toEqual(client(16350, 3));
  });

  it.each([
    ["stop-copy", 242160, 14, "from network tick 300000 to 506387, downtime 2.063 ms", "2.422 ms", "2.063 ms"],
    ["pre-copy", 197484, 26, "from network tick 300000 to 567448, downtime 1.645 ms", "1.975 ms", "1.645 ms"],
    ["post-copy", 228191, 14, "from network tick 300000 to 504713, downtime 1.017 ms", "2.282 ms", "1.017 ms"],
  ])("%s: every byte comes back once and in order; the interruption beside the downtime", async (strategy, gap, before, moved, gapText, downtime) => {
    const r = await toyvmm("migrate", ...RUN, "--strategy", strategy);
    expect(r.code, r.stderr).toBe(0);
    expect(byVm(r.stdout, "multi-net-2")).toEqual(client(gap, before));
    expect(byVm(r.stdout, "multi-net")).toEqual(SERVER);
    const err = lines(r.stderr);
    expect(err[0]).toBe(`toyvmm: multi-net migrated to host B by ${strategy} ${moved}`);
    expect(err[1]).toBe("toyvmm: multi-net: stopped, still running when multi-net-2 ended");
    expect(err).toContain(`downtime                      ${downtime}`);
    expect(err.at(-1)).toBe(
      `multi-net-2 pid 1: 60 answers, every byte back once and in order; longest gap between answers ${gapText} (${gap} ticks, before answer ${before}), downtime ${downtime}`,
    );
    const again = await toyvmm("migrate", ...RUN, "--strategy", strategy);
    expect(again).toEqual(r);
  });
});

describe("toyvmm migrate --net: whose end ends the run", () => {
  it("--until the guest: it ends on host B, and the peer (a server here) is stopped then", async () => {
    const r = await toyvmm("migrate", "multi-net", "multi-net", "--net", "--args", "multi-net:run=count", "--args", "multi-net-2:run=tcpecho", "--until", "multi-net", "--at", "1000", "--json");
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.vms.map((v: { outcome: unknown }) => v.outcome)).toEqual([{ kind: "exited", status: 0 }, { kind: "stopped" }]);
    expect(report.stats.status).toBe("completed");
    expect(report.vms[0].port.switch).toBe(1);
  });
});

describe("toyvmm migrate --net: one line for each mistake", () => {
  it.each([
    [["migrate", "multi-net", "multi-net"], "multi-net: more than one guest needs --net (the others are its peers on the network)"],
    [["migrate", "multi-net", "--args", "run=a", "--args", "run=b"], "--args is given more than once (several VMs need --net)"],
    [["migrate", "multi-net", "--until", "x"], "--until needs --net"],
    [["migrate", "multi-net", "multi-net", "--net", "--until", "nobody"], "--until nobody: no VM is called nobody (VMs: multi-net, multi-net-2)"],
    [["migrate", "multi-net", "--net", "--view", "0"], "--view is not offered with --net"],
    [["migrate", "programs/hello.s", "--net"], "programs/hello.s: a user program has no network device; with --net every VM is a guest kernel"],
    [["migrate", "multi-net", "multi-net", "--net", "--args", "multi-net-2:run=tcpclient", "--args", "run=tcpecho", "--at", "99999999"], "--at 99999999: the other VMs ended at tick"],
  ])("%j", async (argv, message) => {
    const r = await toyvmm(...argv);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
    expect(lines(r.stderr)).toHaveLength(1);
  });
});

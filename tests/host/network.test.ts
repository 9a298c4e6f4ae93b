/**
 * VMs with NICs on a real host process (`vm start --net`): the multi-net echo servers serve
 * clients on the host's switch, as under `toyvmm boot --net`; MACs are chosen in order or
 * given; bad requests are refused in one line.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { toyvmm } from "../cli/run-cli.js";
import { requireBuild, startHost, type TestHost } from "./helpers.js";

beforeAll(requireBuild);

/** The console of a VM on `host`, followed until it ends (bounded by the host helpers' waits). */
async function consoleOf(host: TestHost, vm: string): Promise<string> {
  const r = await toyvmm(["vm", "console", vm, "--host", host.socket]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

const start = (host: TestHost, ...args: string[]) => toyvmm(["vm", "start", ...args, "--host", host.socket]);

describe("VMs on a host's switch", () => {
  it("a TCP echo server and its client on one host, as under boot --net", async () => {
    const host = await startHost(["--speed", "20M"]);
    expect((await start(host, "multi-net", "--net", "--args", "run=tcpecho", "--name", "server")).code).toBe(0);
    expect((await start(host, "multi-net", "--net", "--args", "run=tcpclient", "--name", "client")).code).toBe(0);
    const simulated = await toyvmm(["boot", "multi-net", "multi-net", "--net", "--args", "multi-net:run=tcpecho", "--args", "multi-net-2:run=tcpclient", "--until", "multi-net-2"]);
    const clientLines = simulated.stdout.split("\n").filter((l) => l.startsWith("[multi-net-2] ")).map((l) => l.slice("[multi-net-2] ".length));
    expect((await consoleOf(host, "client")).trimEnd().split("\n")).toEqual(clientLines);
    const info = await toyvmm(["vm", "info", "server", "--host", host.socket, "--json"]);
    const status = JSON.parse(info.stdout) as { network: { mac: string; counters: { inFrames: number; outFrames: number } } };
    expect(status.network.mac).toBe("52:54:00:00:00:01");
    expect(status.network.counters.inFrames).toBeGreaterThan(4);
    expect(status.network.counters.outFrames).toBeGreaterThan(4);
    const ports = await toyvmm(["vm", "network", "--host", host.socket]);
    expect(ports.stdout).toMatch(/^server 52:54:00:00:00:01: \d+ frames in .*\nclient 52:54:00:00:00:02: /);
    expect(await host.stop()).toBe(0);
  });

  it("takes a MAC given, refuses one in use, a MAC without --net and a program with a NIC", async () => {
    const host = await startHost();
    expect((await start(host, "multi-net", "--net", "--mac", "52:54:00:00:00:09", "--paused")).code).toBe(0);
    const taken = await start(host, "multi-net", "--net", "--mac", "52:54:00:00:00:09", "--paused");
    expect(taken.stderr).toBe("toyvmm: vm-create: mac 52:54:00:00:00:09: a VM on host default already has it\n");
    expect(taken.code).toBe(1);
    const group = await start(host, "multi-net", "--net", "--mac", "01:00:5e:00:00:01");
    expect(group.stderr).toContain("a group address (first byte odd) cannot be a NIC's");
    expect((await start(host, "multi-net", "--mac", "52:54:00:00:00:03")).stderr).toBe("toyvmm: --mac goes with --net (see toyvmm vm --help)\n");
    const program = await start(host, "programs/hello.s", "--net");
    expect(program.stderr).toContain("is a user program: only a guest OS has a network device");
    // The next default MAC skips none in use: the paused VM holds :09, so this one gets :01.
    await start(host, "multi-net", "--net", "--paused", "--name", "second");
    const info = JSON.parse((await toyvmm(["vm", "info", "second", "--host", host.socket, "--json"])).stdout) as { network: { mac: string } };
    expect(info.network.mac).toBe("52:54:00:00:00:01");
    const plain = JSON.parse((await toyvmm(["vm", "start", "multi", "--paused", "--json", "--host", host.socket])).stdout) as { name: string };
    expect(JSON.parse((await toyvmm(["vm", "info", plain.name, "--host", host.socket, "--json"])).stdout).network).toBeNull();
    expect(await host.stop()).toBe(0);
  });
});

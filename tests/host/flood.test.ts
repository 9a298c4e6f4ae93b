/**
 * A guest that floods its console costs a host its console ring and no more: the host's memory
 * stays flat however long the flood and whoever follows it (a client that reads, one that does
 * not), its neighbour's output is untouched, and the control socket keeps answering.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { toyvmm } from "../cli/run-cli.js";
import { CONSOLE_RING_SIZE } from "../../vmm/host/console-ring.js";
import { RawClient, requireBuild, startHost, type TestHost } from "./helpers.js";

let host: TestHost;
beforeAll(async () => {
  requireBuild();
  host = await startHost();
});

/** The host process's resident memory in bytes. */
function rss(h: TestHost): number {
  const status = readFileSync(`/proc/${h.child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

const sleep = (ms: number) => new Promise((resume) => setTimeout(resume, ms));

describe("a console flood on a host", () => {
  it("keeps the host's memory bounded, the neighbour's output whole and the socket responsive", async () => {
    const client = await RawClient.open(host.socket);
    await client.next();
    await client.call("vm-create", { guest: resolve("tests/fixtures/guests/flood.s"), name: "flood" });
    await client.call("vm-create", { guest: resolve("tests/fixtures/guests/flood-program.s"), name: "flood-program" });
    // One follower that reads, one that never does.
    await client.call("console-follow", { vm: "flood", offset: 0 });
    const stalled = await RawClient.open(host.socket);
    await stalled.next();
    await stalled.call("console-follow", { vm: "flood", offset: 0 });
    stalled.socket.pause();

    await sleep(500);
    const early = rss(host);
    const started = Date.now();
    await sleep(1500);
    const answer = await client.call("query-status", { vm: "flood" });
    expect(Date.now() - started).toBeLessThan(1500 + 1000);
    const status = answer.return as { console: { written: number; kept: number; dropped: number } };
    expect(status.console.written).toBeGreaterThan(8 * CONSOLE_RING_SIZE);
    expect(status.console.kept).toBe(CONSOLE_RING_SIZE);
    expect(status.console.dropped).toBe(status.console.written - CONSOLE_RING_SIZE);
    expect(rss(host) - early).toBeLessThan(32 << 20);

    // The follower that reads was told what it missed, and got the latest output.
    const outputs: { dropped: number; text: string }[] = [];
    while (outputs.length < 5) {
      const event = (await client.event()) as { event: string; data: { vm: string; dropped: number; text: string } };
      if (event.event === "CONSOLE_OUTPUT" && event.data.vm === "flood") outputs.push(event.data);
    }
    expect(outputs.every((data) => /^x+$/.test(data.text))).toBe(true);

    const program = (await client.call("query-status", { vm: "flood-program" })).return as { state: string; console: { written: number } };
    expect(program).toMatchObject({ state: "ended", console: { written: 8 << 20 } });

    // A neighbour started in the middle of it prints what it prints alone.
    const boot = await toyvmm(["boot", "solo", "--args", "prog=fib n=15"]);
    await toyvmm(["vm", "start", "solo", "--args", "prog=fib n=15", "--host", host.socket]);
    expect((await toyvmm(["vm", "console", "solo", "--host", host.socket])).stdout).toBe(boot.stdout);
    stalled.close();
    client.close();
  });
});

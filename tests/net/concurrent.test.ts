/**
 * threads-net's concurrent echo server (a thread per connection) against multi-net's iterative
 * one (guest-os/lib/net*.s under both kernels): two clients at once, one with a long transfer.
 */
import { describe, expect, it } from "vitest";
import { toyvmm } from "./cli.js";

async function boot(...argv: string[]): Promise<{ code: number; lines: string[] }> {
  const r = await toyvmm("boot", ...argv);
  return { code: r.code, lines: r.stdout.split("\n") };
}

/** The server's lines about connections, in order, without the thread numbers. */
const events = (lines: string[], vm: string) =>
  lines.filter((l) => l.startsWith(`[${vm}] `) && /accepted|closed/.test(l)).map((l) => (/accepted/.test(l) ? "accepted" : "closed"));

describe("a concurrent server on the threads kernel", () => {
  it("takes both connections before either ends, and the short one ends first", async () => {
    const { code, lines } = await boot("threads-net", "multi-net", "--net", "--args", "threads-net:demo=echo", "--args", "multi-net:run=tcpbulk,tcpclient", "--until", "multi-net");
    expect(code).toBe(0);
    expect(lines.filter((l) => l.startsWith("[threads-net] "))).toEqual([
      "[threads-net] [threads] demo=echo: a TCP echo server on port 7, a thread per connection",
      "[threads-net] echo: listening on port 7",
      "[threads-net] echo: connection accepted, thread 3",
      "[threads-net] echo: connection accepted, thread 4",
      "[threads-net] echo: connection closed, bytes echoed 38",
      "[threads-net] echo: connection closed, bytes echoed 20000",
    ]);
    expect(lines).toContain("[multi-net] pid 1: bulk bytes echoed back 20000");
    expect(lines).toContain("[multi-net] pid 1: bytes that differed 0");
    expect(lines.indexOf("[multi-net] pid 2: echo: hello over tcp, line one")).toBeLessThan(lines.indexOf("[multi-net] pid 1: bulk bytes echoed back 20000"));
  });

  it("where the iterative server on multi serves one connection at a time", async () => {
    const { code, lines } = await boot("multi-net", "multi-net", "--net", "--args", "multi-net:run=tcpecho", "--args", "multi-net-2:run=tcpbulk,tcpclient", "--until", "multi-net-2");
    expect(code).toBe(0);
    expect(events(lines, "multi-net")).toEqual(["accepted", "closed", "accepted", "closed"]);
  });
});

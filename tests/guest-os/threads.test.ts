import { describe, expect, it } from "vitest";
import { bootGuest } from "./boot-guest.js";

describe("guest-os/threads", () => {
  it("demo=blocking: a blocking call stops all user threads of a one-LWP process, not of a two-LWP one", () => {
    const r = bootGuest("threads", "demo=blocking");
    expect(r.exit).toBe("halt");
    expect(r.status).toBe(0);
    expect(r.output).toBe(
      [
        "[threads] demo=blocking: user thread A makes a blocking system call, sleep(3000)",
        "== one LWP: the kernel blocks the LWP, and with it every user-level thread",
        "A: calling sleep(3000)",
        "A: back from sleep",
        "B: step 1",
        "B: step 2",
        "B: step 3",
        "B: steps made while A was blocked: 0",
        "== two LWPs: the other LWP goes on running user-level threads",
        "A: calling sleep(3000)",
        "B: step 1",
        "B: step 2",
        "B: step 3",
        "B: steps made while A was blocked: 3",
        "A: back from sleep",
        "",
      ].join("\n"),
    );
  });

  it("demo=switchcost: a user-level switch costs far fewer instructions than a kernel-level one", () => {
    const r = bootGuest("threads", "demo=switchcost");
    expect(r.status).toBe(0);
    expect(r.output).toBe(
      [
        "[threads] demo=switchcost: 200 switches each, guest time in instructions",
        "kernel threads (sys yield in kernel mode): 243 instructions per switch",
        "kernel-level threads (LWPs, sys yield from user mode): 246 instructions per switch",
        "user-level threads (ult_yield, no system call): 49 instructions per switch",
        "",
      ].join("\n"),
    );
    const costs = [...r.output.matchAll(/: (\d+) instructions per switch/g)].map((m) => Number(m[1]));
    expect(costs[2]! * 4).toBeLessThan(costs[1]!);
  });

  it("demo=server: the dispatcher hands the built-in requests to idle workers", () => {
    const r = bootGuest("threads", "demo=server");
    expect(r.status).toBe(0);
    expect(r.output).toBe(
      [
        "[threads] demo=server: a dispatcher thread hands requests to 3 worker threads",
        "dispatcher: request 'GET /index.html' -> worker 1",
        "dispatcher: request 'GET /logo.png' -> worker 2",
        "dispatcher: request 'GET /about.html' -> worker 3",
        "dispatcher: all workers busy, waiting",
        "worker 1: serving 'GET /index.html', blocking disk read of 2500",
        "worker 2: serving 'GET /logo.png', blocking disk read of 2300",
        "worker 3: serving 'GET /about.html', blocking disk read of 2500",
        "dispatcher: all workers busy, waiting",
        "worker 1: finished 'GET /index.html'",
        "worker 2: finished 'GET /logo.png'",
        "worker 3: finished 'GET /about.html'",
        "dispatcher: request 'GET /news/today.html' -> worker 1",
        "dispatcher: request 'GET /index.html' -> worker 2",
        "dispatcher: every request handed out",
        "worker 1: serving 'GET /news/today.html', blocking disk read of 3000",
        "worker 2: serving 'GET /index.html', blocking disk read of 2500",
        "worker 1: finished 'GET /news/today.html'",
        "worker 2: finished 'GET /index.html'",
        "[threads] server exited with status 0",
        "",
      ].join("\n"),
    );
  });

  it("demo=server takes its requests from console input when there is some", () => {
    const r = bootGuest("threads", "demo=server", "GET /a\nGET /bb\n\nPUT /c\n");
    expect(r.status).toBe(0);
    expect(r.output).toContain("dispatcher: request 'GET /a' -> worker 1\n");
    expect(r.output).toContain("dispatcher: request 'PUT /c' -> worker 3\n");
    expect(r.output).toContain("worker 2: finished 'GET /bb'\n");
    expect(r.output).not.toContain("index.html");
  });

  it("rejects an unknown demo", () => {
    const r = bootGuest("threads", "demo=nope");
    expect(r.status).toBe(2);
  });
});

/**
 * The chapter's servers as guest programs (docs/NETWORK.md, "The chapter's servers"), each
 * against its clients on another VM, with the exact output of both.
 */
import { describe, expect, it } from "vitest";
import { toyvmm } from "./cli.js";

/** The console lines of one VM, without its label. */
const lines = (stdout: string, vm: string) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith(`[${vm}] `))
    .map((l) => l.slice(vm.length + 3));

describe("the dispatcher/worker server (fig. 3-3) fed by the network", () => {
  it("hands five clients' requests to three workers, waiting while all are busy, and each client gets its answer", async () => {
    const r = await toyvmm(
      "boot", "threads-net", "multi-net", "--net",
      "--args", "threads-net:demo=dispatcher",
      "--args", "multi-net:run=webget,webget,webget,webget,webget",
      "--until", "multi-net",
    );
    expect(r.code).toBe(0);
    expect(lines(r.stdout, "threads-net")).toEqual([
      "[threads] demo=dispatcher: a dispatcher thread hands network requests to worker threads",
      "dispatcher: listening on port 80, 3 workers",
      "dispatcher: request 'GET /logo.png' -> worker 1",
      "dispatcher: request 'GET /about.html' -> worker 2",
      "dispatcher: request 'GET /news/today.html' -> worker 3",
      "dispatcher: all workers busy, waiting",
      "worker 1: serving 'GET /logo.png', blocking disk read of 2300",
      "worker 2: serving 'GET /about.html', blocking disk read of 2500",
      "worker 3: serving 'GET /news/today.html', blocking disk read of 3000",
      "dispatcher: all workers busy, waiting",
      "worker 1: finished 'GET /logo.png'",
      "worker 2: finished 'GET /about.html'",
      "worker 3: finished 'GET /news/today.html'",
      "dispatcher: request 'GET /contact.html' -> worker 1",
      "worker 1: serving 'GET /contact.html', blocking disk read of 2700",
      "worker 1: finished 'GET /contact.html'",
      "dispatcher: request 'GET /index.html' -> worker 1",
      "worker 1: serving 'GET /index.html', blocking disk read of 2500",
      "worker 1: finished 'GET /index.html'",
    ]);
    expect(lines(r.stdout, "multi-net")).toEqual([
      "[kernel] multi: round robin, quantum 500 instructions",
      "[kernel] started pid 1: webget",
      "[kernel] started pid 2: webget",
      "[kernel] started pid 3: webget",
      "[kernel] started pid 4: webget",
      "[kernel] started pid 5: webget",
      "pid 2: worker 1: GET /logo.png",
      "pid 3: worker 2: GET /about.html",
      "pid 4: worker 3: GET /news/today.html",
      "pid 5: worker 1: GET /contact.html",
      "pid 1: worker 1: GET /index.html",
      "[kernel] all processes finished",
    ]);
  });
});

describe("the superserver (fig. 3-11, inetd)", () => {
  it("listens on three ports at once and starts the service of each connection's port in a thread of its own", async () => {
    const r = await toyvmm(
      "boot", "threads-net", "multi-net", "--net",
      "--args", "threads-net:demo=inetd",
      "--args", "multi-net:run=tcpclient,daytime,counter,counter,daytime",
      "--until", "multi-net",
    );
    expect(r.code).toBe(0);
    expect(lines(r.stdout, "threads-net")).toEqual([
      "[threads] demo=inetd: a superserver on several ports, a new thread per connection",
      "inetd: port 7: echo",
      "inetd: port 13: daytime",
      "inetd: port 100: counter",
      "inetd: port 13: connection, a new thread for daytime, thread 3",
      "inetd: port 7: connection, a new thread for echo, thread 4",
      "inetd: port 13: connection, a new thread for daytime, thread 5",
      "inetd: port 100: connection, a new thread for counter, thread 6",
      "inetd: port 100: connection, a new thread for counter, thread 7",
      "echo: connection closed, bytes echoed 38",
    ]);
    expect(lines(r.stdout, "multi-net")).toEqual([
      "[kernel] multi: round robin, quantum 500 instructions",
      "[kernel] started pid 1: tcpclient",
      "[kernel] started pid 2: daytime",
      "[kernel] started pid 3: counter",
      "[kernel] started pid 4: counter",
      "[kernel] started pid 5: daytime",
      "pid 1: connected to 10.0.0.1 port 7",
      "pid 1: echo: hello over tcp, line one",
      "and line two",
      "pid 2: tick 265448",
      "pid 3: visitor 1",
      "pid 4: visitor 2",
      "pid 5: tick 270937",
      "[kernel] all processes finished",
    ]);
  });
});

describe("a stateless and a stateful file server, each restarting after its third request", () => {
  it("the stateless server's client goes on where it was; the stateful one's loses its open file and offset and reads again from the start", async () => {
    const r = await toyvmm(
      "boot", "multi-net", "multi-net", "--net",
      "--args", "multi-net:run=statelessfs,statefulfs",
      "--args", "multi-net-2:run=statelessget,statefulget",
      "--until", "multi-net-2",
    );
    expect(r.code).toBe(0);
    expect(lines(r.stdout, "multi-net")).toEqual([
      "[kernel] multi: round robin, quantum 500 instructions",
      "[kernel] started pid 1: statelessfs",
      "[kernel] started pid 2: statefulfs",
      "pid 3: stateless file server on port 2049",
      "pid 4: stateful file server on port 2050",
      "pid 3: file server restarts: what it kept in memory is gone",
      "pid 4: file server restarts: what it kept in memory is gone",
      "pid 5: stateless file server on port 2049",
      "pid 6: stateful file server on port 2050",
    ]);
    expect(lines(r.stdout, "multi-net-2")).toEqual([
      "[kernel] multi: round robin, quantum 500 instructions",
      "[kernel] started pid 1: statelessget",
      "[kernel] started pid 2: statefulget",
      "pid 2: opened motd, handle 1",
      "pid 1: no answer, asking again",
      "pid 2: no answer, asking again",
      "pid 2: read failed: the server restarted and lost handle 1, the open file and its offset; opening again, reading from the start",
      "pid 1: Welcome to the toy file server.",
      "pid 1: Every file is read in pieces of 16 bytes.",
      "pid 2: opened motd, handle 1",
      "pid 2: Welcome to the toy file server.",
      "pid 2: Every file is read in pieces of 16 bytes.",
      "[kernel] all processes finished",
    ]);
  });
});

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

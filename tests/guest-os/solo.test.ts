import { describe, expect, it } from "vitest";
import { bootGuest } from "./boot-guest.js";

describe("guest-os/solo", () => {
  it("runs hello by default, in user mode, and halts with its exit status", () => {
    const r = bootGuest("solo");
    expect(r.exit).toBe("halt");
    expect(r.status).toBe(0);
    expect(r.output).toBe(
      "[solo] running hello in user mode\nHello from user mode! my pid is 1\n[solo] program exited with status 0\n",
    );
  });

  it("fib prints the sequence and its cost read with the time system call", () => {
    const r = bootGuest("solo", "prog=fib n=10");
    expect(r.status).toBe(0);
    expect(r.output).toBe(
      "[solo] running fib in user mode\nfib: 0 1 1 2 3 5 8 13 21 34 55\nfib: took 4617 instructions\n" +
        "[solo] program exited with status 0\n",
    );
  });

  it("sieve takes its array from sbrk", () => {
    const r = bootGuest("solo", "prog=sieve n=1000");
    expect(r.status).toBe(0);
    expect(r.output).toContain("sieve: 168 primes below 1000, largest 997, heap at 0x00401000\n");
  });

  it("echo reads console input through the read system call", () => {
    const r = bootGuest("solo", "prog=echo", "hello world\nsecond line\n");
    expect(r.status).toBe(0);
    expect(r.output).toBe(
      "[solo] running echo in user mode\nHELLO WORLD\nSECOND LINE\necho: 24 bytes\n[solo] program exited with status 0\n",
    );
  });

  it("a user program that writes kernel memory is stopped by the page protection", () => {
    const r = bootGuest("solo", "prog=bad");
    expect(r.status).toBe(1);
    expect(r.output).toBe(
      "[solo] running bad in user mode\nbad: writing to kernel memory at 0x00001000\n" +
        "[solo] program killed: page-fault-write at 0x00001000\n",
    );
  });

  it("rejects an unknown program", () => {
    const r = bootGuest("solo", "prog=nope");
    expect(r.status).toBe(2);
    expect(r.output).toContain("unknown program");
  });
});

/**
 * The host's parts without sockets or the wall clock: the console ring, the line reader, the
 * control session as a state machine (bytes in, text out), and the scheduler on a clock the
 * test moves.
 */
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../vmm/log.js";
import { parseControlAddress, parseTcpAddress, reachableMigrationAddress } from "../../vmm/host/address.js";
import { defaultControlPath, ensurePrivateDir, runtimeDir } from "../../vmm/host/runtime-dir.js";
import { completeUtf8Length, ConsoleRing, CONSOLE_RING_SIZE } from "../../vmm/host/console-ring.js";
import { Host } from "../../vmm/host/host.js";
import { LineReader } from "../../vmm/host/line-reader.js";
import type { Speed } from "../../vmm/host/scheduler.js";
import { ControlSession, OUTPUT_QUEUE_MAX } from "../../vmm/host/session.js";

const MS = 1_000_000;
const SPIN = resolve("programs/memwriter.s");

/** A host on a clock that moves only when told (and by `step` on every reading, if given). */
function hostOn(speed: Speed, step = 0) {
  let now = 0;
  const clock = { now: () => (now += step) };
  const host = new Host({ name: "t", version: "0", speed, clock, log: silentLogger });
  return { host, advance: (ns: number) => (now += ns) };
}

function session(host: Host) {
  const s = new ControlSession(host, { timeOfDay: () => 0, log: silentLogger });
  const out = () => {
    const lines: Record<string, unknown>[] = [];
    for (let text = s.takeOutput(); text !== null; text = s.takeOutput()) lines.push(...text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>));
    return lines;
  };
  return { s, out, send: (text: string) => s.receive(Buffer.from(text)) };
}

describe("the console ring", () => {
  it("keeps the last bytes, counts the dropped ones, and reads from any offset", () => {
    const ring = new ConsoleRing(8);
    ring.write(Buffer.from("abcdefghijkl"));
    expect(ring.end).toBe(12);
    expect(ring.start).toBe(4);
    const read = (offset: number, max: number) => {
      const slice = ring.read(offset, max);
      return { ...slice, bytes: Buffer.from(slice.bytes).toString() };
    };
    expect(read(0, 100)).toEqual({ bytes: "efghijkl", offset: 4, dropped: 4 });
    expect(read(10, 1)).toEqual({ bytes: "k", offset: 10, dropped: 0 });
    expect(read(20, 5)).toEqual({ bytes: "", offset: 12, dropped: 0 });
    ring.writeByte(0x6d);
    expect(Buffer.from(ring.read(0, 100).bytes).toString()).toBe("fghijklm");
  });

  it("holds back a character still being written", () => {
    const euro = Buffer.from("a€");
    expect(completeUtf8Length(euro)).toBe(4);
    expect(completeUtf8Length(euro.subarray(0, 3))).toBe(1);
    expect(completeUtf8Length(euro.subarray(0, 2))).toBe(1);
    expect(completeUtf8Length(Buffer.from("plain"))).toBe(5);
  });
});

describe("the line reader", () => {
  it("joins lines across chunks, drops a CR before the newline, and refuses a line past the bound", () => {
    const reader = new LineReader(10);
    expect(reader.push(Buffer.from("ab"))).toEqual([]);
    expect(reader.push(Buffer.from("c\r\nde\nf"))).toEqual(["abc", "de"]);
    expect(reader.push(Buffer.from("ghij\n"))).toEqual(["fghij"]);
    expect(reader.push(Buffer.from("x".repeat(11)))).toEqual([]);
    expect(reader.overflowed).toBe(true);
    expect(reader.push(Buffer.from("ok\n"))).toEqual([]);
  });
});

describe("a control session", () => {
  it("greets, answers requests split over chunks and pipelined in one, in order", () => {
    const { host } = hostOn("max");
    const { out, send } = session(host);
    expect(out()[0]).toHaveProperty("toyvmm.host", "t");
    send('{"execute": "query-vms", "id"');
    expect(out()).toEqual([]);
    send(': 1}\n{"execute": "query-vms", "id": 2}\n{"execute": "nope", "id": 3}\n');
    expect(out()).toEqual([
      { return: [], id: 1 },
      { return: [], id: 2 },
      { error: { class: "CommandNotFound", desc: 'no command "nope" (query-commands lists them)' }, id: 3 },
    ]);
  });

  it("drops a client that lets its answers pile up past the bound", () => {
    const { host } = hostOn("max");
    const { s, send } = session(host);
    const request = '{"execute": "query-commands"}\n';
    for (let sent = 0; !s.overflowed && sent < 100 * OUTPUT_QUEUE_MAX; sent += 4096) send(request);
    expect(s.overflowed).toBe(true);
    expect(s.closing).toBe("the client does not read what it is sent");
    expect(s.takeOutput()).toBeNull();
  });

  it("does not queue console output: a client that does not read misses bytes and is told how many", () => {
    const { host } = hostOn("max", MS);
    const { s, out, send } = session(host);
    out();
    send(`{"execute": "vm-create", "arguments": {"guest": "${resolve("tests/fixtures/guests/flood.s")}", "name": "f"}}\n`);
    send('{"execute": "console-follow", "arguments": {"vm": "f", "offset": 0}}\n');
    for (let i = 0; i < 20; i++) host.turn();
    expect(s.overflowed).toBe(false);
    const lines = out().filter((line) => line.event === "CONSOLE_OUTPUT") as { data: { offset: number; dropped: number; next: number } }[];
    expect(lines[0]!.data.dropped).toBeGreaterThan(0);
    expect(lines[0]!.data.offset).toBe(lines[0]!.data.dropped);
    // Much more was written than the client was sent.
    expect(host.get("f")!.console.end).toBeGreaterThan(2 * CONSOLE_RING_SIZE);
  });

  it("wants the token first on a connection that needs one, and closes on a wrong one", () => {
    const { host } = hostOn("max");
    const s = new ControlSession(host, { token: "0123456789abcdef", timeOfDay: () => 0, log: silentLogger });
    expect(JSON.parse(s.takeOutput()!)).toHaveProperty("toyvmm.auth", "token");
    s.receive(Buffer.from('{"execute": "query-vms"}\n{"execute": "authenticate", "arguments": {"token": "0123456789abcdef"}}\n{"execute": "query-vms"}\n'));
    expect(JSON.parse(s.takeOutput()!)).toHaveProperty("error.class", "AuthenticationRequired");
    expect(JSON.parse(s.takeOutput()!)).toEqual({ return: {} });
    expect(JSON.parse(s.takeOutput()!)).toEqual({ return: [] });
    const other = new ControlSession(host, { token: "0123456789abcdef", timeOfDay: () => 0, log: silentLogger });
    other.takeOutput();
    other.receive(Buffer.from('{"execute": "authenticate", "arguments": {"token": "guess"}}\n{"execute": "query-vms"}\n'));
    expect(JSON.parse(other.takeOutput()!)).toHaveProperty("error.desc", "wrong token; closing the connection");
    expect(other.takeOutput()).toBeNull();
    expect(other.closing).toBe("wrong token");
  });
});

describe("the scheduler on the wall clock", () => {
  it("runs a VM at its speed, gives a paused one nothing, and does not rush it after", () => {
    const { host, advance } = hostOn(1_000_000);
    const vm = host.create({ guest: SPIN, args: "pages=4 iters=0", bare: false, paused: false });
    for (let t = 0; t < 100; t++) {
      host.turn();
      advance(10 * MS);
    }
    host.turn();
    // One second at a million ticks a second.
    expect(Math.abs(vm.ticks - 1_000_000)).toBeLessThan(20_000);
    host.pause(vm.name);
    advance(5000 * MS);
    host.turn();
    const paused = vm.ticks;
    host.resume(vm.name);
    host.turn();
    advance(100 * MS);
    host.turn();
    expect(vm.ticks - paused).toBeLessThan(120_000);
    expect(vm.ticks - paused).toBeGreaterThan(80_000);
  });

  it("says how long until a paced VM is due, and that nothing is due when none can run", () => {
    const { host, advance } = hostOn(1000);
    expect(host.turn()).toBe(Infinity);
    const vm = host.create({ guest: SPIN, args: "pages=4 iters=0", bare: false, paused: false });
    host.turn();
    advance(5 * MS);
    const wait = host.turn();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(1 * MS);
    host.pause(vm.name);
    expect(host.turn()).toBe(Infinity);
  });

  it("at max speed, shares a turn between VMs and ends it after its wall time", () => {
    const { host } = hostOn("max", 100_000);
    const a = host.create({ guest: SPIN, args: "pages=4 iters=0", bare: false, paused: false, name: "a" });
    const b = host.create({ guest: SPIN, args: "pages=4 iters=0", bare: false, paused: false, name: "b" });
    expect(host.turn()).toBe(0);
    expect(a.ticks).toBeGreaterThan(0);
    expect(b.ticks).toBeGreaterThan(0);
  });

  it("ends a VM whose run throws (a bug) with a line saying so, and runs the others on", () => {
    const { host } = hostOn("max", 100_000);
    const broken = host.create({ guest: SPIN, args: "pages=4 iters=0", bare: false, paused: false, name: "broken" });
    const fine = host.create({ guest: SPIN, args: "pages=4 iters=0", bare: false, paused: false, name: "fine" });
    broken.guest.vm.run = () => {
      throw new Error("boom");
    };
    host.turn();
    expect(broken.ending()).toMatchObject({ exitStatus: 125, description: "stopped: toyvmm internal error: boom (a bug: please report it)" });
    const before = fine.ticks;
    host.turn();
    expect(fine.ticks).toBeGreaterThan(before);
  });
});

describe("addresses and the runtime folder", () => {
  it("reads --host as a path, HOST:PORT or a host's name", () => {
    expect(parseControlAddress("demo.sock")).toEqual({ kind: "unix", path: "demo.sock" });
    expect(parseControlAddress("/run/x")).toEqual({ kind: "unix", path: "/run/x" });
    expect(parseControlAddress("10.0.0.2:4000")).toEqual({ kind: "tcp", host: "10.0.0.2", port: 4000 });
    expect(parseControlAddress("[::1]:4000")).toEqual({ kind: "tcp", host: "::1", port: 4000 });
    expect(parseControlAddress("b")).toEqual({ kind: "unix", path: defaultControlPath("b") });
    expect(() => parseControlAddress("no such thing")).toThrow(/expected a socket path, HOST:PORT/);
    expect(parseTcpAddress("4000", "--control-tcp")).toEqual({ host: "127.0.0.1", port: 4000 });
    expect(() => parseTcpAddress("0", "--host")).toThrow("with a port from 1 to 65535");
    expect(parseTcpAddress("0", "--control-tcp", { anyPort: true }).port).toBe(0);
  });

  it("sends a migration to a listener on every interface at the address its host was reached by, never to 0.0.0.0 or ::", () => {
    const overTcp = { kind: "tcp" as const, host: "10.0.0.2", port: 5000 };
    const overSocket = { kind: "unix" as const, path: "b.sock" };
    expect(reachableMigrationAddress("10.0.0.2:4000", overSocket, null)).toBe("10.0.0.2:4000");
    expect(reachableMigrationAddress("0.0.0.0:4000", overTcp, null)).toBe("10.0.0.2:4000");
    expect(reachableMigrationAddress("[::]:4000", { ...overTcp, host: "fe80::2" }, null)).toBe("[fe80::2]:4000");
    // The destination host is this machine: the source reaches it on loopback, or, on another machine, where it sees this one.
    expect(reachableMigrationAddress("0.0.0.0:4000", overSocket, null)).toBe("127.0.0.1:4000");
    expect(reachableMigrationAddress("[::]:4000", overSocket, null)).toBe("[::1]:4000");
    expect(reachableMigrationAddress("0.0.0.0:4000", overSocket, "::ffff:192.168.1.9")).toBe("192.168.1.9:4000");
  });

  it("puts sockets in $XDG_RUNTIME_DIR/toyvmm, else a per-user folder of the temporary folder", () => {
    expect(runtimeDir({ XDG_RUNTIME_DIR: "/run/user/7" })).toBe("/run/user/7/toyvmm");
    expect(runtimeDir({})).toBe(join(tmpdir(), `toyvmm-${process.getuid!()}`));
  });

  it("creates the runtime folder private, and refuses one others may enter", () => {
    const base = mkdtempSync(join(tmpdir(), "toyvmm-dir-"));
    try {
      const dir = join(base, "rt");
      ensurePrivateDir(dir);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      chmodSync(dir, 0o755);
      expect(() => ensurePrivateDir(dir)).toThrow(`${dir}: other users may use it (mode 755); make it private with chmod 700`);
      const file = join(base, "file");
      writeFileSync(file, "");
      expect(() => ensurePrivateDir(file)).toThrow("not a folder");
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

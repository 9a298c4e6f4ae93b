/** The network device: rings, interrupt, bounds checks, determinism bare vs monitored, save and restore. */
import { describe, expect, it } from "vitest";
import { assemble } from "../../isa/asm/index.js";
import { CSR, IRQ_NET, NET_CAUSE_ERROR, NET_DESC_DONE, NET_DESC_ERROR, PORT } from "../../isa/arch.js";
import { Nic } from "../../isa/devices/net.js";
import { nicStateSchema } from "../../isa/devices/net-state.js";
import { Memory } from "../../isa/memory.js";
import { problemOf } from "../../isa/schema.js";
import { createBareMachine } from "../../vmm/monitor/bare.js";
import { restoreMachine } from "../../vmm/monitor/restore.js";
import type { BootOptions, Machine } from "../../vmm/monitor/machine.js";
import { createVm } from "../../vmm/monitor/vm.js";
import { boot, observable, runToEnd } from "../vmm/harness.js";
import { reflectorImage } from "./reflector.js";

const GUEST_MAC = Uint8Array.from([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
const PEER = [0x02, 0, 0, 0, 0, 9];

function frame(n: number, length = 60): Uint8Array {
  const f = new Uint8Array(length);
  f.set(GUEST_MAC, 0);
  f.set(PEER, 6);
  f[12] = 0x88;
  f[13] = 0xb5; // local experimental EtherType
  f.fill(n, 14);
  return f;
}

interface Sent {
  ticks: number;
  bytes: number[];
}

/** Boots the reflector with a NIC plugged into a recorder, frames arriving at `arrivals`. */
function reflector(make: (o: BootOptions) => Machine, arrivals: number[], slice = 1e9, limit = 200_000) {
  const captured = boot(make, reflectorImage(arrivals.length), { nic: { mac: GUEST_MAC } });
  const m = captured.machine;
  const sent: Sent[] = [];
  m.nic!.attach((f, ticks) => sent.push({ ticks, bytes: Array.from(f) }));
  arrivals.forEach((at, i) => m.nic!.receive(frame(i + 1), at));
  runToEnd(m, slice, limit);
  return { m, sent, seen: observable(m, captured.output()) };
}

describe("NIC", () => {
  const arrivals = [5_000, 5_001, 9_000, 20_000, 20_000, 20_000, 31_234];

  it("reflects each frame at a tick fixed by its arrival, bare and monitored alike, however the run is sliced", () => {
    const bare = reflector(createBareMachine, arrivals);
    expect(bare.seen.ended).toEqual({ kind: "halted", status: arrivals.length });
    expect(bare.seen.output).toBe(".".repeat(arrivals.length));
    expect(bare.sent).toHaveLength(arrivals.length);
    bare.sent.forEach((s, i) => {
      expect(s.ticks).toBeGreaterThan(arrivals[i]!);
      expect(s.bytes.slice(0, 12)).toEqual([...PEER, ...GUEST_MAC]);
      expect(s.bytes[20]).toBe(i + 1);
    });
    // Idle in wfi between frames: the guest waits for the network, not for a timer.
    expect(bare.m.cpu.idleTicks).toBeGreaterThan(25_000);
    for (const slice of [1, 7, 1000, 1e9]) {
      const vm = reflector(createVm, arrivals, slice);
      expect(vm.seen).toEqual(bare.seen);
      expect(vm.sent).toEqual(bare.sent);
      expect(vm.m.stats.snapshot().interrupts["network-interrupt"]).toBeGreaterThan(0);
    }
  });

  it("the interrupt is taken at the arrival tick itself", () => {
    const { m, sent } = reflector(createVm, [12_345]);
    // From the arrival to the send: the handler's instructions up to the doorbell, nothing idle.
    expect(sent[0]!.ticks - 12_345).toBeLessThan(40);
    expect(m.cpu.idleTicks).toBeLessThan(12_345);
    expect(m.cpu.idleTicks).toBeGreaterThan(12_200);
  });

  it("a frame waits in the device while no buffer is free, and the inbox is bounded", () => {
    const memory = new Memory(65536);
    const nic = new Nic(memory, GUEST_MAC);
    for (let i = 0; i < 70; i++) nic.receive(frame(i), 10);
    expect(nic.queued).toBe(64);
    expect(nic.counters.rxDropped).toBe(6);
    expect(nic.deliver(100)).toBe(-1);
    expect(nic.queued).toBe(64); // no ring: nothing delivered, nothing lost
    expect(nic.receive(new Uint8Array(13), 0)).toBe(false);
    expect(nic.receive(new Uint8Array(1515), 0)).toBe(false);
  });

  it("saves and restores mid-run, frames still waiting: the same run as without", () => {
    const whole = reflector(createVm, arrivals);
    const makers: ((o: BootOptions) => Machine)[] = [createVm, createBareMachine];
    for (const make of makers) {
      const captured = boot(make, reflectorImage(arrivals.length), { nic: { mac: GUEST_MAC } });
      const first = captured.machine;
      const sent: Sent[] = [];
      first.nic!.attach((f, ticks) => sent.push({ ticks, bytes: Array.from(f) }));
      arrivals.forEach((at, i) => first.nic!.receive(frame(i + 1), at));
      first.run(15_000);
      const state = JSON.parse(JSON.stringify(first.save()));
      expect(state.nic.inbox.length).toBeGreaterThan(0);
      const memory = new Memory(first.memory.size);
      memory.bytes.set(first.memory.bytes);
      const output: number[] = [...captured.output()].map((c) => c.charCodeAt(0));
      const second = restoreMachine(state, memory, { sink: (b) => output.push(b) });
      second.nic!.attach((f, ticks) => sent.push({ ticks, bytes: Array.from(f) }));
      runToEnd(second, 1e9, 200_000);
      expect(sent).toEqual(whole.sent);
      const seen = observable(second, Buffer.from(output).toString("latin1"));
      if (make === createVm) expect(seen).toEqual(whole.seen);
      else expect(seen.output).toBe(whole.seen.output);
    }
  });

  it("never touches memory outside the guest's: rings and buffers outside are errors", () => {
    const memory = new Memory(8192);
    const nic = new Nic(memory, GUEST_MAC);
    const sent: Uint8Array[] = [];
    nic.attach((f) => sent.push(f));
    // A transmit ring whose end lies past memory.
    nic.write(PORT.netTxRing, 8192 - 8, 0);
    nic.write(PORT.netTxSize, 4, 0);
    nic.write(PORT.netTxTail, 1, 0);
    expect(nic.cause & NET_CAUSE_ERROR).toBeTruthy();
    expect(nic.read(PORT.netTxHead)).toBe(1); // skipped whole, nothing read
    // Descriptors inside, buffers not: a length past memory, an address at 4 GiB - 1, a bad length.
    nic.write(PORT.netCause, -1, 0);
    memory.words.set([8000, 1000, -1, 100, 0, 2000, 0, 10], 0);
    nic.write(PORT.netTxRing, 0, 0);
    nic.write(PORT.netTxSize, 4, 0);
    nic.write(PORT.netTxTail, 4, 0);
    expect(sent).toHaveLength(0);
    expect(nic.read(PORT.netTxHead)).toBe(4);
    for (let i = 0; i < 4; i++) expect(memory.words[i * 2 + 1]! & (NET_DESC_DONE | NET_DESC_ERROR)).toBe(NET_DESC_DONE | NET_DESC_ERROR);
    // A receive buffer that runs past memory: the frame is not written, the descriptor says why.
    memory.words.set([8150, 1514], 64);
    nic.write(PORT.netRxRing, 256, 0);
    nic.write(PORT.netRxSize, 1, 0);
    nic.write(PORT.netRxTail, 1, 0);
    nic.receive(frame(1), 0);
    expect(nic.deliver(0)).toBe(-1);
    expect(memory.words[65]! & NET_DESC_ERROR).toBe(NET_DESC_ERROR);
    expect(memory.bytes.subarray(8150).every((b) => b === 0)).toBe(true);
    expect(nic.counters.errors).toBe(6);
  });

  it("a ring size that is no power of two up to 256 means no ring", () => {
    const nic = new Nic(new Memory(8192), GUEST_MAC);
    for (const size of [3, 512, -4, 0]) {
      nic.write(PORT.netRxSize, size, 0);
      expect(nic.save().rx.size).toBe(0);
    }
  });

  it("a machine without a NIC reads -1 from its ports and cannot enable its interrupt", () => {
    const source = `
.memsize 8192
.org 0x0
    in a1, PORT_NET_STATUS
    in a2, PORT_NET_MAC_LOW
    li t0, -1
    csrw imask, t0
    csrr a3, imask
    li a0, 0
    halt
`;
    const image = assemble(source, { file: "probe.s" }).image;
    const makers: ((o: BootOptions) => Machine)[] = [createBareMachine, createVm];
    for (const make of makers) {
      const { machine } = boot(make, image);
      runToEnd(machine);
      expect([machine.cpu.regs[2], machine.cpu.regs[3], machine.cpu.regs[4]]).toEqual([-1, -1, 3]);
      expect(machine.save().nic).toBeUndefined();
      const withNic = boot(make, image, { nic: { mac: GUEST_MAC } }).machine;
      runToEnd(withNic);
      expect(withNic.cpu.regs[2]).toBe(0); // link down: not plugged in
      expect(withNic.cpu.regs[3]).toBe(0x12005452);
      expect(withNic.readCsr(CSR.imask)).toBe(3 | IRQ_NET);
    }
  });

  it("a page that has not arrived stops delivery until it is in (post-copy)", () => {
    const memory = new Memory(16384);
    const nic = new Nic(memory, GUEST_MAC);
    memory.words.set([0x2000, 0x800], 0);
    nic.write(PORT.netRxRing, 0, 0);
    nic.write(PORT.netRxSize, 1, 0);
    memory.missing[2] = 1;
    memory.missingCount = 1;
    nic.receive(frame(7), 0);
    nic.write(PORT.netRxTail, 1, 0);
    expect(nic.missingPage).toBe(2);
    expect(nic.queued).toBe(1);
    memory.fillPage(2, null);
    expect(nic.deliver(0)).toBe(-1);
    expect(nic.queued).toBe(0);
    expect(memory.bytes[0x2000 + 20]).toBe(7);
  });

  it("a hostile saved state is refused with one line", () => {
    const good = new Nic(new Memory(8192), GUEST_MAC).save();
    expect(problemOf(nicStateSchema, good)).toBeNull();
    expect(problemOf(nicStateSchema, { ...good, rx: { ...good.rx, size: 3 } })).toMatch(/^rx\.size: expected 0 or a power of two up to 256$/);
    expect(problemOf(nicStateSchema, { ...good, mac: [1, 2, 3] })).toMatch(/^mac: expected 6 bytes$/);
    const big = Buffer.alloc(1515).toString("base64");
    expect(problemOf(nicStateSchema, { ...good, inbox: [{ at: 0, frame: big }] })).toMatch(/^inbox\[0\]\.frame: expected a frame/);
    const many = Array.from({ length: 65 }, () => ({ at: 0, frame: Buffer.from(frame(0)).toString("base64") }));
    expect(problemOf(nicStateSchema, { ...good, inbox: many })).toMatch(/^inbox: expected a list of at most 64 frames$/);
  });
});

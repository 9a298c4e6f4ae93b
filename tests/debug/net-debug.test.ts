/**
 * The debugger on a networked run (vmm/debug/net-input.ts): each VM replayed alone, fed the
 * frames the network gave it at the same ticks, is the VM of the networked run — at its end,
 * and at any tick going back — and `boot --net --debug-on-fault` opens the debugger at a fault
 * only those frames cause. Expected states come from the live run in the same test.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { debugMachinesAtFault } from "../../vmm/cli/debug-on-fault.js";
import { runOnNetwork } from "../../vmm/cli/net-run.js";
import { nicOf } from "../../vmm/cli/net-options.js";
import { NetInputRecorder } from "../../vmm/debug/net-input.js";
import { openMachines, type GuestSpec } from "../../vmm/debug/open.js";
import type { Target } from "../../vmm/debug/target.js";
import { resolveGuest } from "../../vmm/guests.js";
import type { Machine } from "../../vmm/monitor/machine.js";
import { createVm } from "../../vmm/monitor/vm.js";
import { parsePcap } from "../../vmm/net/pcap.js";
import { toyvmm } from "../cli/run-cli.js";
import { run } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "toyvmm-net-debug-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NET = { net: true, seed: 1 };

/** A guest as the debugger sees it, but for the monitor's count of trap exits (a `wfi` cut into slices exits once a slice). */
function state(machine: Pick<Machine, "save" | "memory">): string {
  const saved = machine.save();
  delete saved.stats.traps["privileged-instruction"];
  return JSON.stringify({ saved, memory: createHash("sha256").update(machine.memory.bytes).digest("hex") });
}
const stateOf = (t: Target) => state({ save: () => t.save() as ReturnType<Machine["save"]>, memory: t.memory });

/** multi-net's echo server and client, run live on a switch with their input recorded. */
function echoPair(limit?: number) {
  const g = resolveGuest("multi-net");
  const specs: GuestSpec[] = [
    { name: "multi-net", image: g.image, bootArgs: "run=tcpecho" },
    { name: "multi-net-2", image: g.image, bootArgs: "run=tcpclient" },
  ];
  const args = { ...NET, until: ["multi-net-2"] };
  const machines = specs.map((s, i) => createVm({ ...s, nic: nicOf(i, args) }));
  const recorder = new NetInputRecorder(machines, limit);
  runOnNetwork(machines, args);
  const net = (s: GuestSpec, i: number): GuestSpec => ({ ...s, net: { mac: nicOf(i, args).mac, input: recorder.inputs[i]! } });
  return { specs, machines, recorder, replayed: specs.map(net), args };
}

describe("replaying a networked run", () => {
  it("each VM fed its recorded frames ends as it ended on the network, and goes back and forth on it", () => {
    const { machines, recorder, replayed, specs } = echoPair();
    expect(recorder.overflowed).toBeNull();
    expect(recorder.inputs.every((frames) => frames.length > 0)).toBe(true);
    // Snapshots every round of the network (5000 ticks on its default links): where frames are offered.
    const { session } = openMachines(replayed, { interval: 5000 });
    const forwards = openMachines(replayed, {}).session;
    session.vms.forEach((v, i) => {
      session.current = forwards.current = i;
      const end = machines[i]!.cpu.ticks;
      session.goto(end);
      expect(v.target.ticks).toBe(end);
      expect(stateOf(v.target), v.target.name).toBe(state(machines[i]!));
      // Back to every tick about one where frames came or arrived, each from a snapshot, as one run forwards has them.
      const ticks = [...new Set(recorder.inputs[i]!.flatMap((f) => [f.at - 1, f.at, f.at + 1, f.arrives]))]
        .filter((t) => t < end)
        .sort((a, b) => a - b);
      const expected = ticks.map((t) => {
        forwards.goto(t);
        return stateOf(forwards.target);
      });
      for (let k = ticks.length - 1; k >= 0; k--) {
        session.goto(ticks[k]!);
        expect(stateOf(v.target), `${v.target.name} back at tick ${ticks[k]}`).toBe(expected[k]);
      }
    });
    // Without the frames the client never hears from the server: the input is what makes the replay the run.
    const alone = openMachines(specs.map((s, i) => ({ ...s, net: { mac: replayed[i]!.net!.mac, input: [] } })), {});
    alone.session.current = 1;
    alone.session.goto(machines[1]!.cpu.ticks);
    expect(stateOf(alone.session.target)).not.toBe(state(machines[1]!));
  });

  it("catch syscall knows the kernel's socket calls by the names its sys_table gives them", () => {
    const { replayed } = echoPair();
    const { session } = openMachines(replayed, {});
    session.current = 1;
    expect(session.execute("catch syscall sockets").error).toMatch(/^no system call is called sockets \(.*\bsocket, bind, listen, accept, connect\b/);
    const stop = run(session, "catch syscall connect", "continue");
    expect(stop.lines[0]).toBe("[vm 2 multi-net-2]");
    expect(stop.lines[1]).toMatch(/^Catchpoint 1 \(syscall connect\) at 0x[0-9a-f]{8} <u_connect\+0x[0-9a-f]+>, returned a0 = /);
    expect(stop.data.stop).toMatchObject({ reason: "catchpoint", vm: "multi-net-2", syscall: "connect" });
  });

  it("past the bound the recording stops, and --debug-on-fault says why in one line", async () => {
    const { recorder, specs, machines, args } = echoPair(100);
    expect(recorder.overflowed).not.toBeNull();
    const err: string[] = [];
    const io = { stdout: { write: () => {} }, stderr: { write: (c: string | Uint8Array) => err.push(String(c)) } };
    const macs = specs.map((_, i) => nicOf(i, args).mac);
    await debugMachinesAtFault(specs, {}, machines.map((m) => m.cpu.ticks), 0, io, { recorder, macs });
    expect(err.join("")).toMatch(
      /^toyvmm: --debug-on-fault: the network gave the VMs more than 0\.\d+ MiB of frames \(the last to multi-net(-2)?\), more than the debugger keeps to replay a networked run\n$/,
    );
  });
});

describe("boot --net --debug-on-fault", () => {
  const FRAGILE = "tests/fixtures/debug/fragile-listener.s";
  const BOOT = ["boot", FRAGILE, "guest-os/net-demo/pinger.s", "--net", "--until", "fragile-listener"];

  it("replays to a fault only the network's frames cause, and shows the frame that caused it", async () => {
    const captures = join(dir, "fragile");
    const plain = await toyvmm([...BOOT, "--json", "--capture", captures]);
    const report = JSON.parse(plain.stdout);
    const [listener, pinger] = report.vms;
    expect(listener.outcome.kind).toBe("fault");
    const pc = `0x${listener.outcome.pc.toString(16).padStart(8, "0")}`;

    // The fifth frame to reach the listener, as its port's capture has it: in its buffer at the fault.
    const mac = Buffer.from(listener.port.mac.split(":").map((h: string) => parseInt(h, 16)));
    const fifth = parsePcap(readFileSync(join(captures, "fragile-listener.pcap"))).filter((r) => Buffer.from(r.frame.subarray(0, 6)).equals(mac))[4]!.frame;
    const bytes = Array.from(fifth, (b) => `0x${b.toString(16).padStart(2, "0")}`);
    const rows = Math.ceil(fifth.length / 8);

    const debug = await toyvmm([...BOOT, "--debug-on-fault"], `info vms\nx/${fifth.length}xb 0x4000\nprint $t3\nvm 2\ncontinue\n`);
    expect(debug.code).toBe(plain.code);
    // The boot's consoles first (on stderr with --json), then the debugger's answers.
    const consoles = plain.stderr.split("\n").filter((l) => l.startsWith("[")).join("\n") + "\n";
    expect(debug.stdout.startsWith(consoles)).toBe(true);
    const lines = debug.stdout.slice(consoles.length).split("\n");
    const at = `${pc} <bug\\+0x4>`;
    expect(lines[0]).toMatch(new RegExp(`^=> ${at}:  lw      a2, 0\\(a2\\)    \\[tick ${listener.ticks}\\]$`));
    expect(lines[1]).toMatch(new RegExp(`^\\* 1 +fragile-listener +monitor +tick ${listener.ticks} +at ${at}$`));
    expect(lines[2]).toMatch(new RegExp(`^  2 +pinger +monitor +tick ${pinger.ticks} `));
    const shown = lines.slice(3, 3 + rows).flatMap((l) => l.split(":\t")[1]!.split("\t"));
    expect(shown).toEqual(bytes);
    expect(lines[3 + rows]).toBe(`$1 = ${fifth.length} (0x${fifth.length.toString(16).padStart(8, "0")})`);
    // The replay ends where the recording does: past it the network gave nothing.
    const end = listener.ticks + pinger.ticks;
    expect(lines).toContain(`[stopped at the end of the recorded networked run, ${end} ticks of all VMs together]`);
  });
});

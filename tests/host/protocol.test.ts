/**
 * The control protocol over a real host's socket: the greeting, every command, events, and bad
 * requests of every kind answered with an error (the host going on serving).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodePrologue } from "../../vmm/migration/stream/codec.js";
import { errorReplySchema, greetingSchema, REQUEST_LINE_MAX } from "../../vmm/host/protocol.js";
import { COMMANDS, COMMAND_NAMES, type CommandName } from "../../vmm/host/protocol-commands.js";
import { EVENTS, type EventName } from "../../vmm/host/protocol-events.js";
import { RawClient, requireBuild, startHost, tempFolder, waitFor, type TestHost } from "./helpers.js";

const TYPIST = resolve("tests/host/fixtures/typist.s");
let host: TestHost;
let folder: string;

beforeAll(async () => {
  requireBuild();
  folder = tempFolder();
  host = await startHost([], join(folder, "h.sock"));
});

/** The answer's return, checked against the command's schema. */
function returned<N extends CommandName>(name: N, answer: Record<string, unknown>) {
  expect(answer.error, JSON.stringify(answer)).toBeUndefined();
  return COMMANDS[name].returns.parse(answer.return) as ReturnType<(typeof COMMANDS)[N]["returns"]["parse"]>;
}

function errorOf(answer: Record<string, unknown>): { class: string; desc: string } {
  const parsed = errorReplySchema.parse(answer);
  expect(parsed.error.desc).not.toContain("\n");
  return parsed.error;
}

/** Events until `until` holds for one; every event checked against its schema. */
async function eventsUntil(client: RawClient, until: (event: { event: string; data: Record<string, unknown> }) => boolean) {
  const seen: { event: string; data: Record<string, unknown> }[] = [];
  for (;;) {
    const event = (await client.event()) as { event: EventName; data: Record<string, unknown> };
    EVENTS[event.event].data.parse(event.data);
    seen.push(event);
    if (until(event)) return seen;
  }
}

/** What `probe` gives once it gives something, asked every 10 ms for at most 10 s. */
async function poll<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out polling the host");
    await new Promise((resume) => setTimeout(resume, 10));
  }
}

describe("the control protocol", () => {
  it("greets every connection with its version, name and capabilities", async () => {
    const client = await RawClient.open(host.socket);
    const greeting = greetingSchema.parse(await client.next());
    expect(greeting.toyvmm).toMatchObject({ host: "default", protocol: 1, auth: "none" });
    expect(greeting.toyvmm.capabilities).toContain("console-events");
    client.close();
  });

  it("lists its commands", async () => {
    const client = await RawClient.open(host.socket);
    await client.next();
    const list = returned("query-commands", await client.call("query-commands"));
    expect(list.map((c) => c.name)).toEqual(COMMAND_NAMES);
    client.close();
  });

  it("creates, lists, pauses, resumes, reads, feeds, saves, restores and destroys VMs, with events", async () => {
    const client = await RawClient.open(host.socket);
    await client.next();
    const created = returned("vm-create", await client.call("vm-create", { guest: TYPIST, paused: true }));
    expect(created).toMatchObject({ name: "typist", kind: "monitor", state: "paused", ticks: 0 });
    const [started] = await eventsUntil(client, (e) => e.event === "VM_STARTED");
    expect(started!.data).toEqual({ vm: "typist", state: "paused", from: "guest" });

    expect(returned("query-vms", await client.call("query-vms")).map((vm) => vm.name)).toContain("typist");
    expect(returned("vm-resume", await client.call("vm-resume", { vm: "typist" })).state).toBe("running");
    expect(returned("console-follow", await client.call("console-follow", { vm: "typist", offset: 0 })).offset).toBe(0);

    // The guest waits in wfi for input, and writes it back in upper case.
    const fed = returned("console-input", await client.call("console-input", { vm: "typist", text: "hello " }));
    expect(fed.accepted).toBe(6);
    const output = await eventsUntil(client, (e) => e.event === "CONSOLE_OUTPUT" && e.data.next === 6);
    expect(output.some((e) => e.event === "VM_RESUMED")).toBe(true);
    expect(output.filter((e) => e.event === "CONSOLE_OUTPUT").map((e) => e.data.text).join("")).toBe("HELLO ");
    const waiting = await poll(async () => returned("query-vms", await client.call("query-vms")).find((vm) => vm.name === "typist" && vm.waiting === "input"));
    expect(waiting).toMatchObject({ state: "running", waiting: "input" });

    const paused = returned("vm-pause", await client.call("vm-pause", { vm: "typist" }));
    expect(paused.state).toBe("paused");
    const status = returned("query-status", await client.call("query-status", { vm: "typist" }));
    expect(status).toMatchObject({ state: "paused", outcome: null, bootArgs: "", console: { written: 6, kept: 6, dropped: 0 } });
    expect(status.stats).toHaveProperty("ticks", status.ticks);

    const read = returned("console-read", await client.call("console-read", { vm: "typist" }));
    expect(read).toEqual({ text: "HELLO ", offset: 0, next: 6, dropped: 0, end: 6, ended: false });

    const file = join(folder, "typist.snap");
    const saved = returned("vm-save", await client.call("vm-save", { vm: "typist", file }));
    expect(saved).toMatchObject({ file, ticks: status.ticks });
    expect(existsSync(file)).toBe(true);
    expect(errorOf(await client.call("vm-save", { vm: "typist", file })).desc).toContain("already exists");
    const restored = returned("vm-restore", await client.call("vm-restore", { file, paused: true }));
    expect(restored).toMatchObject({ name: "typist-2", state: "paused", ticks: status.ticks, guest: file });

    expect(returned("vm-destroy", await client.call("vm-destroy", { vm: "typist" }))).toEqual({});
    await eventsUntil(client, (e) => e.event === "VM_DESTROYED" && e.data.vm === "typist");
    expect(errorOf(await client.call("query-status", { vm: "typist" })).class).toBe("VmNotFound");

    // The restored guest goes on where the saved one stood: in wfi, waiting for the rest of the line.
    returned("console-follow", await client.call("console-follow", { vm: "typist-2", offset: 0 }));
    returned("console-input", await client.call("console-input", { vm: "typist-2", text: "there\n" }));
    returned("vm-resume", await client.call("vm-resume", { vm: "typist-2" }));
    const rest = await eventsUntil(client, (e) => e.event === "VM_HALTED" && e.data.vm === "typist-2");
    expect(rest.filter((e) => e.event === "CONSOLE_OUTPUT").map((e) => e.data.text).join("")).toBe("THERE\n");
    expect(rest.at(-1)!.data).toMatchObject({ exitStatus: 0, consoleEnd: 6 });
    returned("vm-destroy", await client.call("vm-destroy", { vm: "typist-2" }));
    client.close();
  });

  it("tells every client how a VM ended, after its last console output", async () => {
    const watcher = await RawClient.open(host.socket);
    await watcher.next();
    const client = await RawClient.open(host.socket);
    await client.next();
    returned("vm-create", await client.call("vm-create", { guest: "solo", args: "prog=bad", name: "bad", paused: true }));
    returned("console-follow", await watcher.call("console-follow", { vm: "bad", offset: 0 }));
    returned("vm-resume", await client.call("vm-resume", { vm: "bad" }));
    const events = await eventsUntil(watcher, (e) => e.event === "VM_HALTED" && e.data.vm === "bad");
    const halted = events.at(-1)!.data;
    expect(halted).toMatchObject({ exitStatus: 1, outcome: { kind: "exited", status: 1 } });
    const text = events.filter((e) => e.event === "CONSOLE_OUTPUT").map((e) => e.data.text).join("");
    expect(Buffer.byteLength(text)).toBe(halted.consoleEnd);
    expect(text).toContain("bad: writing to kernel memory");
    // An ended VM cannot be paused or fed.
    expect(errorOf(await client.call("vm-pause", { vm: "bad" })).class).toBe("InvalidState");
    expect(errorOf(await client.call("console-input", { vm: "bad", text: "x" })).class).toBe("InvalidState");
    returned("vm-destroy", await client.call("vm-destroy", { vm: "bad" }));
    watcher.close();
    client.close();
  });

  it("runs a program on the process VM, its input given at the start", async () => {
    const client = await RawClient.open(host.socket);
    await client.next();
    const prog = resolve("programs/strings.s");
    const vm = returned("vm-create", await client.call("vm-create", { guest: prog, input: "the quick brown fox\n" }));
    expect(vm).toMatchObject({ name: "strings", kind: "process" });
    const status = await poll(async () => {
      const answer = returned("query-status", await client.call("query-status", { vm: "strings" }));
      return answer.state === "ended" ? answer : undefined;
    });
    expect(status).toMatchObject({ state: "ended", exitStatus: 0 });
    expect(returned("console-read", await client.call("console-read", { vm: "strings" })).text).toContain("THE QUICK BROWN FOX");
    expect(errorOf(await client.call("console-input", { vm: "strings", text: "more" })).desc).toContain("is a program");
    returned("vm-destroy", await client.call("vm-destroy", { vm: "strings" }));
    client.close();
  });

  it.each([
    ["garbage", "this is not json\n", "BadRequest", "not JSON"],
    ["a list", "[1, 2]\n", "BadRequest", "a JSON object"],
    ["no execute", '{"arguments": {}, "id": 7}\n', "BadRequest", "execute"],
    ["an unknown field", '{"execute": "query-vms", "extra": 1, "id": 7}\n', "BadRequest", "unexpected field extra"],
    ["an unknown command", '{"execute": "format-disk", "id": 7}\n', "CommandNotFound", 'no command "format-disk"'],
    ["a wrong type", '{"execute": "vm-create", "arguments": {"guest": 42}, "id": 7}\n', "InvalidArguments", "arguments.guest: expected text"],
    ["a bad memory size", '{"execute": "vm-create", "arguments": {"guest": "solo", "memory": 1000}, "id": 7}\n', "InvalidArguments", "arguments.memory: expected a multiple of 4096"],
    ["an unknown argument", '{"execute": "query-vms", "arguments": {"all": true}, "id": 7}\n', "InvalidArguments", "unexpected field all"],
    ["a bad VM name", '{"execute": "vm-pause", "arguments": {"vm": "../x"}, "id": 7}\n', "InvalidArguments", "expected a VM name"],
    ["a relative file", '{"execute": "vm-restore", "arguments": {"file": "x.snap"}, "id": 7}\n', "InvalidArguments", "not an absolute path"],
    ["a missing guest", '{"execute": "vm-create", "arguments": {"guest": "nonesuch"}, "id": 7}\n', "GenericError", "no such bundled guest"],
    ["a missing file", '{"execute": "vm-restore", "arguments": {"file": "/nonexistent/x.snap"}, "id": 7}\n', "GenericError", "no such file"],
    ["an unknown VM", '{"execute": "vm-resume", "arguments": {"vm": "ghost"}, "id": 7}\n', "VmNotFound", "ghost: no such VM"],
  ])("answers %s with an error and goes on", async (_what, line, errorClass, words) => {
    const client = await RawClient.open(host.socket);
    await client.next();
    client.send(line);
    const answer = await client.answer();
    const error = errorOf(answer);
    expect(error.class).toBe(errorClass);
    expect(error.desc).toContain(words);
    if (line.includes('"id": 7')) expect(answer.id).toBe(7);
    // The same connection still works.
    returned("query-vms", await client.call("query-vms"));
    client.close();
  });

  it("refuses a line longer than the bound and closes that connection only", async () => {
    const client = await RawClient.open(host.socket);
    await client.next();
    client.send("x".repeat(REQUEST_LINE_MAX + 10));
    const error = errorOf(await client.answer());
    expect(error).toMatchObject({ class: "BadRequest" });
    expect(error.desc).toContain("longer than");
    await waitFor(() => client.closed, "the connection to close");
    const other = await RawClient.open(host.socket);
    await other.next();
    returned("query-vms", await other.call("query-vms"));
    other.close();
  });

  it("checks a snapshot file as a migration's destination checks a stream", async () => {
    const client = await RawClient.open(host.socket);
    await client.next();
    mkdirSync(join(folder, "bad"), { recursive: true });
    const file = join(folder, "bad", "not-a-snapshot");
    writeFileSync(file, Buffer.concat([encodePrologue(), Buffer.from("garbage that is no frame")]));
    const error = errorOf(await client.call("vm-restore", { file }));
    expect(error.class).toBe("GenericError");
    expect(error.desc).toMatch(/^.*not-a-snapshot: migration stream: frame 0/);
    client.close();
  });
});

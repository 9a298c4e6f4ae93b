/**
 * Real host processes for the tests: `node dist/vmm/cli/main.js host …` on a socket in a
 * temporary folder (and loopback TCP on a free port when asked), each wait bounded, every
 * process killed at the end of its file or when the test process exits. The built program must
 * be current: `npm run build` (or `npx tsc -p tsconfig.build.json`) first.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll } from "vitest";

export const MAIN = resolve("dist/vmm/cli/main.js");
const WAIT_MS = 10_000;

/** Fails at once, saying what to do, when dist/ is older than the host's sources. */
export function requireBuild(): void {
  const built = (() => {
    try {
      return statSync(resolve("dist/vmm/host/serve.js")).mtimeMs;
    } catch {
      return 0;
    }
  })();
  for (const dir of ["vmm/host", "vmm/cli"]) {
    for (const file of readdirSync(resolve(dir), { recursive: true }) as string[]) {
      if (file.endsWith(".ts") && statSync(resolve(dir, file)).mtimeMs > built) {
        throw new Error(`dist/ is older than ${dir}/${file}: run \`npm run build\` before these tests`);
      }
    }
  }
}

const live = new Set<ChildProcess>();
const folders: string[] = [];
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** A fresh private folder, removed after the file's tests. */
export function tempFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), "toyvmm-host-"));
  folders.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all([...live].map((child) => stopProcess(child, "SIGKILL")));
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export interface TestHost {
  child: ChildProcess;
  socket: string;
  /** The TCP port, when it listens on TCP. */
  port?: number;
  /** The migration listener's port, when started with --migrate-listen. */
  migratePort?: number;
  stdout: string;
  stderr: string;
  /** Sends `signal` and resolves to the exit status (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a host on `socket` (default: h.sock in a fresh folder) with `extra` flags; resolves once it listens. */
export async function startHost(extra: string[] = [], socket = join(tempFolder(), "h.sock")): Promise<TestHost> {
  const child = spawn(process.execPath, [MAIN, "host", "--control", socket, ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  const host: TestHost = { child, socket, stdout: "", stderr: "", stop: (signal = "SIGTERM") => stopProcess(child, signal) };
  child.stdout!.on("data", (chunk: Buffer) => (host.stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (host.stderr += chunk.toString()));
  await waitFor(() => host.stdout.includes("listening on") || child.exitCode !== null, "the host to listen");
  if (child.exitCode !== null) throw new Error(`the host exited with ${child.exitCode}: ${host.stderr}`);
  const [control = "", migrations = ""] = host.stdout.split("; migrations on ");
  const port = /127\.0\.0\.1:(\d+)/.exec(control)?.[1];
  if (port) host.port = Number(port);
  const migratePort = /:(\d+)/.exec(migrations)?.[1];
  if (migratePort) host.migratePort = Number(migratePort);
  return host;
}

/** Runs the program to its end (bounded); resolves to its status and output. */
export function runProgram(args: string[], timeoutMs = WAIT_MS): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    live.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      live.delete(child);
      done({ code, stdout, stderr });
    });
  });
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return Promise.resolve(child.exitCode);
  }
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), WAIT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      live.delete(child);
      done(code);
    });
    child.kill(signal);
  });
}

/** Polls `ready` every 10 ms until it holds; fails after WAIT_MS naming what it waited for. */
export async function waitFor(ready: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resume) => setTimeout(resume, 10));
  }
}

/** A token file of mode 600. */
export function tokenFile(dir: string, token = "0123456789abcdef0123456789abcdef"): string {
  const path = join(dir, "token");
  writeFileSync(path, token + "\n", { mode: 0o600 });
  return path;
}

/** A raw protocol connection: send lines, read the host's lines one by one (each wait bounded). */
export class RawClient {
  private buffer = "";
  private readonly lines: string[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let newline;
      while ((newline = this.buffer.indexOf("\n")) >= 0) {
        this.lines.push(this.buffer.slice(0, newline));
        this.buffer = this.buffer.slice(newline + 1);
      }
    });
    socket.on("close", () => (this.closed = true));
    socket.on("error", () => {});
  }

  static async open(where: string | number): Promise<RawClient> {
    const socket = typeof where === "number" ? connect(where, "127.0.0.1") : connect(where);
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    return new RawClient(socket);
  }

  send(message: object | string): void {
    this.socket.write(typeof message === "string" ? message : JSON.stringify(message) + "\n");
  }

  /** The next line from the host, as JSON. */
  next(): Promise<Record<string, unknown>> {
    return this.take(() => true);
  }

  /** The next line that is an answer; events before it stay for `event`. */
  answer(): Promise<Record<string, unknown>> {
    return this.take((message) => !("event" in message));
  }

  /** The next line that is an event; answers before it stay for `answer`. */
  event(): Promise<Record<string, unknown>> {
    return this.take((message) => "event" in message);
  }

  private async take(wanted: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const find = () => this.lines.findIndex((line) => wanted(JSON.parse(line) as Record<string, unknown>));
    await waitFor(() => find() >= 0 || this.closed, "a line from the host");
    const index = find();
    if (index < 0) throw new Error("the host closed the connection");
    return JSON.parse(this.lines.splice(index, 1)[0]!) as Record<string, unknown>;
  }

  /** Sends a request and returns its answer. */
  async call(execute: string, args: object = {}, id: unknown = execute): Promise<Record<string, unknown>> {
    this.send({ execute, arguments: args, id });
    return this.answer();
  }

  close(): void {
    this.socket.destroy();
  }
}

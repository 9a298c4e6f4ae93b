/**
 * `toyvmm host` processes for the bench, as a user starts them: each on a control socket in a
 * private temporary folder with a migration listener on loopback, a client connected to it,
 * every wait bounded, and each process stopped (SIGTERM, then SIGKILL) when the bench is done.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ControlClient } from "../host/client.js";

const MAIN = fileURLToPath(new URL("../cli/main.js", import.meta.url));
const WAIT_MS = 15_000;

export interface BenchHost {
  name: string;
  /** The host's process id. */
  pid: number;
  client: ControlClient;
  /** The line the host printed when it listened (its addresses). */
  ready: string;
  stop(): Promise<void>;
}

/**
 * Runs `body` with hosts of these names (`speed`: guest ticks per second), started in order, each
 * with the flags `flags` gives it knowing those started before; stops them however it ends.
 */
export async function withHosts<T>(
  names: string[],
  speed: number,
  body: (hosts: BenchHost[]) => Promise<T>,
  flags: (index: number, started: BenchHost[]) => string[] = () => [],
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "toyvmm-bench-"));
  const started: BenchHost[] = [];
  try {
    for (const [i, name] of names.entries()) started.push(await startHost(name, join(dir, `${name}.sock`), speed, flags(i, started)));
    return await body(started);
  } finally {
    await Promise.all(started.map((host) => host.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startHost(name: string, socket: string, speed: number, flags: string[]): Promise<BenchHost> {
  const args = [MAIN, "host", "--name", name, "--control", socket, "--speed", String(speed), "--migrate-listen", "127.0.0.1:0", "--log-level", "warn", ...flags];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let ready = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  try {
    await new Promise<void>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(() => reject(new Error(`host ${name} did not listen within ${WAIT_MS} ms: ${stderr}`)), WAIT_MS);
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("listening on")) {
          ready = stdout.trim();
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`host ${name} exited with ${code}: ${stderr}`));
      });
    });
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  const client = await ControlClient.connect({ kind: "unix", path: socket });
  return {
    name,
    pid: child.pid!,
    client,
    ready,
    stop: async () => {
      client.close();
      await stopProcess(child);
    },
  };
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), WAIT_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

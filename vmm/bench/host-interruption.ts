/**
 * The service interruption a real client sees while a guest server migrates between real host
 * processes, beside the migration's downtime: two `toyvmm host` processes with joined switches,
 * multi-net's web server on the first behind a forwarded port (--hostfwd), a Node client through
 * that port sending `ECHO request N` one at a time, as `nc` would, and the server migrated to the
 * second host while the requests flow. The interruption is the longest wall-clock gap between two
 * answers; every answer must come back, in order. Wall-clock figures: they depend on the machine.
 */
import { connect, type Socket } from "node:net";
import type { ControlClient } from "../host/client.js";
import { ClientMigration } from "../host/migrate-client.js";
import type { MigrationStats } from "../migration/stats.js";
import { withHosts } from "./host-process.js";
import { bounded } from "./real-migration.js";

/** Guest ticks per wall second: paced, so the guests' 1 ms timeouts outlast a loaded machine's slices. */
const SPEED = 10_000_000;
/** Answers before the migration starts, and after it ends. */
const BEFORE = 20;
const AFTER = 40;

export interface HostInterruption {
  strategy: string;
  downtimeMs: number;
  /** The longest gap between two answers the client saw, ms. */
  interruptionMs: number;
  /** Requests answered, all of them in order. */
  answers: number;
}

/** One client line at a time over a TCP connection. */
class EchoClient {
  private buffered = "";
  private waiting: ((line: string) => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      this.buffered += text;
      this.deliver();
    });
  }

  static open(port: number): Promise<EchoClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port }, () => resolve(new EchoClient(socket)));
      socket.once("error", reject);
    });
  }

  ask(request: string): Promise<string> {
    this.socket.write(`${request}\n`);
    return bounded(new Promise<string>((resolve) => ((this.waiting = resolve), this.deliver())), `the answer to ${request}`);
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(): void {
    const end = this.buffered.indexOf("\n");
    if (end < 0 || !this.waiting) return;
    const line = this.buffered.slice(0, end).replace(/\r$/, "");
    this.buffered = this.buffered.slice(end + 1);
    const waiting = this.waiting;
    this.waiting = null;
    waiting(line);
  }
}

/** Resolves once the web server says it listens. */
async function listening(client: ControlClient): Promise<void> {
  while (!(await client.call("console-read", { vm: "web" })).text.includes("http and text on port 80")) await new Promise((resume) => setTimeout(resume, 20));
}

const portAfter = (ready: string, what: string): number => {
  const port = new RegExp(`${what} 127\\.0\\.0\\.1:(\\d+)`).exec(ready)?.[1];
  if (!port) throw new Error(`no "${what}" address in the host's line: ${ready}`);
  return Number(port);
};

/** One migration of the web server from host a to host b with `strategy`, a client talking to it throughout. */
export function benchHostInterruption(strategy: "stop-copy" | "pre-copy" | "post-copy"): Promise<HostInterruption> {
  const flags = (i: number, started: { ready: string }[]) =>
    i === 0 ? ["--net-listen", "0", "--hostfwd", "tcp:127.0.0.1:0-web:80"] : ["--net-peer", `127.0.0.1:${portAfter(started[0]!.ready, "network on")}`];
  return withHosts(["bench-net-a", "bench-net-b"], SPEED, async ([a, b]) => {
    await a!.client.call("vm-create", { guest: "multi-net", name: "web", args: "run=web", net: true });
    await bounded(listening(a!.client), "the web server to listen");
    const client = await EchoClient.open(portAfter(a!.ready, "forwarding"));
    try {
      const times: number[] = [];
      let sent = 0;
      const ask = async () => {
        const answer = await client.ask(`ECHO request ${sent}`);
        if (answer !== `request ${sent}`) throw new Error(`request ${sent} was answered ${JSON.stringify(answer)}`);
        times.push(performance.now());
        sent++;
      };
      while (sent < BEFORE) await ask();
      let done = false;
      const migration = ClientMigration.start(a!.client, b!.client, { vm: "web", strategy }, { progress: () => {}, status: () => {} }).then((m) => m.result);
      const finished = migration.finally(() => (done = true));
      while (!done) await ask();
      for (let i = 0; i < AFTER; i++) await ask();
      const info = await bounded(finished, `the ${strategy} migration of the web server`);
      if (info.status !== "completed") throw new Error(`the ${strategy} migration of the web server ended ${info.status}: ${info.detail}`);
      let gap = 0;
      for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
      return { strategy, downtimeMs: (info.stats as unknown as MigrationStats).downtimeNs / 1e6, interruptionMs: gap, answers: sent };
    } finally {
      client.close();
    }
  }, flags);
}

export function formatHostInterruption(rows: HostInterruption[]): string {
  const lines = [
    `real hosts: a client through --hostfwd while multi-net's web server migrates between two host processes (--speed ${SPEED / 1e6}M), wall clock`,
    "",
    `${"strategy".padEnd(10)}  ${"downtime".padStart(12)}  ${"longest gap".padStart(12)}  answers (all in order)`,
  ];
  for (const r of rows) lines.push(`${r.strategy.padEnd(10)}  ${`${r.downtimeMs.toFixed(1)} ms`.padStart(12)}  ${`${r.interruptionMs.toFixed(1)} ms`.padStart(12)}  ${r.answers}`);
  return `${lines.join("\n")}\n`;
}

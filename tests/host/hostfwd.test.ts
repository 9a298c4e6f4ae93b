/**
 * hostfwd on real host processes (`toyvmm host --hostfwd …`): Node's own http and net clients,
 * as a user's curl or nc would connect, talk to multi-net's web server (HTTP/1.0 and its text
 * protocol) through a forwarded loopback port; flow control carries 18 KB through the guest's
 * 2 KiB window; bad rules and missing guests are refused in one line; and a text connection
 * through the forwarder keeps every byte, in order, while the server migrates to another host.
 */
import { get } from "node:http";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlClient } from "../../vmm/host/client.js";
import { ClientMigration } from "../../vmm/host/migrate-client.js";
import { requireBuild, runProgram, startHost, tempFolder, waitFor, type TestHost } from "./helpers.js";

let a: TestHost;
let b: TestHost;
let ca: ControlClient;
let cb: ControlClient;
/** The port of a's machine forwarded to the web server's port 80. */
let webPort = 0;

const portAfter = (text: string, what: string) => Number(new RegExp(`${what} 127\\.0\\.0\\.1:(\\d+)`).exec(text)![1]);

beforeAll(async () => {
  requireBuild();
  const dir = tempFolder();
  // Guests at 2M ticks a second: their 1 ms timeouts are 50 ms of wall time, enough for a
  // round trip through the tunnel on a loaded machine.
  a = await startHost(["--name", "a", "--speed", "2M", "--net-listen", "0", "--hostfwd", "tcp:127.0.0.1:0-web:80", "--hostfwd", "tcp::0-ghost:80", "--log-level", "info"], join(dir, "a.sock"));
  webPort = portAfter(a.stdout, "forwarding");
  b = await startHost(["--name", "b", "--speed", "2M", "--net-peer", `127.0.0.1:${portAfter(a.stdout, "network on")}`, "--migrate-listen", "0"], join(dir, "b.sock"));
  ca = await ControlClient.connect({ kind: "unix", path: a.socket });
  cb = await ControlClient.connect({ kind: "unix", path: b.socket });
  await ca.call("vm-create", { guest: "multi-net", name: "web", args: "run=web", net: true });
  let output = "";
  await waitFor(() => {
    void ca.call("console-read", { vm: "web" }).then((r) => (output = r.text));
    return output.includes("http and text on port 80");
  }, "the web server to listen");
});

afterAll(async () => {
  ca?.close();
  cb?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

/** GET `path` from the web server through the forwarded port, with Node's http client. */
function fetchPage(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get({ host: "127.0.0.1", port: webPort, path, timeout: 10_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on("timeout", () => request.destroy(new Error("no answer within 10 s")));
    request.on("error", reject);
  });
}

/** A text-protocol connection: send lines, wait (bounded) for the answers. */
class TextClient {
  private received = "";
  closed = false;
  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (this.received += chunk));
    socket.on("close", () => (this.closed = true));
    socket.on("error", () => {});
  }
  static open(): Promise<TextClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(webPort, "127.0.0.1", () => resolve(new TextClient(socket)));
      socket.once("error", reject);
    });
  }
  send(text: string): void {
    this.socket.write(text);
  }
  /** Waits until `count` lines have come; returns them (and takes them). */
  async lines(count: number, timeoutMs = 10_000): Promise<string[]> {
    await waitFor(() => this.received.split("\n").length > count, `${count} lines from the guest`, timeoutMs);
    const lines = this.received.split("\n");
    this.received = lines.slice(count).join("\n");
    return lines.slice(0, count);
  }
}

describe("hostfwd to a guest's web server", () => {
  it("answers GET / with a page and its Content-Length, another path with 404", async () => {
    const page = await fetchPage("/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html");
    expect(Number(page.headers["content-length"])).toBe(Buffer.byteLength(page.body));
    expect(page.body).toMatch(/^<!DOCTYPE html>\n<html><head><title>toyvmm<\/title><\/head>\n<body><h1>Hello from a toyvmm guest<\/h1>\n<p>multi-net's web server, in toy assembly: request \d+\.<\/p><\/body><\/html>\n$/);
    const missing = await fetchPage("/nothing/here");
    expect(missing).toMatchObject({ status: 404, body: "not found\n" });
    expect(missing.headers["content-length"]).toBe("10");
  });

  it("speaks the text protocol line by line, and closes after QUIT", async () => {
    const client = await TextClient.open();
    client.send("PING\nTICKS\r\nECHO hello, guest\nWHAT\n\nQUIT\n");
    const [pong, ticks, echo, unknown, bye] = await client.lines(5);
    expect(pong).toBe("PONG");
    expect(ticks).toMatch(/^TICKS \d+$/);
    expect(echo).toBe("hello, guest");
    expect(unknown).toBe("ERR unknown command (PING, TICKS, ECHO text, QUIT)");
    expect(bye).toBe("BYE");
    await waitFor(() => client.closed, "the guest to close");
  });

  it("carries 18 KB each way through the guest's 2 KiB window, every line back in order", async () => {
    const client = await TextClient.open();
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${"x".repeat(80)}`);
    client.send(lines.map((l) => `ECHO ${l}\n`).join("") + "QUIT\n");
    expect(await client.lines(201, 30_000)).toEqual([...lines, "BYE"]);
  }, 40_000);

  it("closes a client whose guest is not on the host, and refuses bad rules in one line", async () => {
    const ghost = Number(/forwarding 127\.0\.0\.1:(\d+) to ghost:80/.exec(a.stdout)![1]);
    const socket = connect(ghost, "127.0.0.1");
    socket.on("error", () => {});
    socket.resume();
    let closed = false;
    socket.on("close", () => (closed = true));
    await waitFor(() => closed, "the connection to be closed");
    await waitFor(() => a.stderr.includes("hostfwd: no VM ghost with a NIC on this host; connection closed"), "the log line");
    const bad = await runProgram(["host", "--control", join(tempFolder(), "x.sock"), "--hostfwd", "sctp:8080-web:80"]);
    expect(bad.stderr).toBe('toyvmm: --hostfwd "sctp:8080-web:80": expected tcp:[HOSTADDR]:HOSTPORT-GUEST:GUESTPORT or udp:…, e.g. tcp:127.0.0.1:8080-server:80\n');
    expect(bad.code).toBe(1);
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const taken = (busy.address() as { port: number }).port;
    const inUse = await runProgram(["host", "--control", join(tempFolder(), "y.sock"), "--hostfwd", `tcp:127.0.0.1:${taken}-web:80`]);
    busy.close();
    expect(inUse.stderr).toBe(`toyvmm: --hostfwd 127.0.0.1:${taken}: the address is in use\n`);
    expect(inUse.code).toBe(1);
  });

  it("keeps a forwarded connection through the server's migration to another host: every answer, in order", async () => {
    const client = await TextClient.open();
    let sent = 0;
    const answers: string[] = [];
    let migrated = false;
    const migration = ClientMigration.start(ca, cb, { vm: "web", strategy: "pre-copy" }, { progress: () => {}, status: () => {} }).then((m) => m.result);
    void migration.then(() => (migrated = true));
    // One request at a time, until 40 have been answered after the migration ended.
    let after = 0;
    while (after < 40) {
      client.send(`ECHO request ${sent}\n`);
      answers.push(...(await client.lines(1, 20_000)));
      sent++;
      if (migrated) after++;
    }
    const info = await migration;
    expect(info.status, info.detail ?? "").toBe("completed");
    expect(answers).toEqual(Array.from({ length: sent }, (_, i) => `request ${i}`));
    client.send("QUIT\n");
    expect(await client.lines(1)).toEqual(["BYE"]);
    // The server runs on b now; a's forwarded port still reaches it, through the trunk.
    expect((await ca.call("query-vms", {})).map((vm) => vm.name)).not.toContain("web");
    const page = await fetchPage("/");
    expect(page.status).toBe(200);
    expect((await cb.call("query-status", { vm: "web" })).network?.mac).toBe("52:54:00:00:00:01");
  }, 60_000);
});

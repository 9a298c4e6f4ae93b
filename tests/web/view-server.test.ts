/**
 * The web view's endpoint without a browser: `toyvmm host --http` serves the built page with
 * its security headers and nothing outside it, answers only loopback names and pages (DNS
 * rebinding, other web sites), speaks the control protocol on /control, refuses to listen
 * beyond loopback without a token, and with a token lets nothing through before `authenticate`.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Host } from "../../vmm/host/host.js";
import { ViewServer } from "../../vmm/host/http/view-server.js";
import { webRoot } from "../../vmm/host/http/web-root.js";
import { ControlSession } from "../../vmm/host/session.js";
import { silentLogger } from "../../vmm/log.js";
import { requireBuild, runProgram, startHost, tempFolder, type TestHost } from "../host/helpers.js";

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Opens /control; resolves to the socket and its first message, or to the HTTP status of a refusal. */
function openControl(
  port: number,
  origin?: string,
): Promise<{ ws: WebSocket; first: Record<string, unknown> } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/control`, origin ? { origin } : {});
    ws.once("message", (data) => resolve({ ws, first: JSON.parse(String(data)) }));
    ws.once("unexpected-response", (_req, res) => resolve({ refused: res.statusCode! }));
    ws.once("error", reject);
  });
}

function next(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => ws.once("message", (data) => resolve(JSON.parse(String(data)))));
}

describe("toyvmm host --http", () => {
  let host: TestHost;
  let port: number;
  beforeAll(async () => {
    requireBuild();
    host = await startHost(["--http", "0"]);
    port = Number(/view on http:\/\/127\.0\.0\.1:(\d+)\//.exec(host.stdout)?.[1]);
  });
  afterAll(() => host?.stop());

  it("serves the page with its security headers", async () => {
    const page = await get(port, "/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.headers["content-security-policy"]).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\*/);
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect((await get(port, `/${script}`)).status).toBe(200);
  });

  it("serves nothing outside the page's folder, and only GET", async () => {
    for (const path of [
      "/../package.json",
      "/%2e%2e/package.json",
      "/assets/../../package.json",
      "/.hidden.js",
      "/nothing.js",
    ]) {
      expect((await get(port, path)).status, path).toBe(404);
    }
    expect((await get(port, "/", {}, "POST")).status).toBe(405);
    expect((await get(port, "/%E0%A4%A")).status).toBe(400);
    expect((await get(port, "/")).status).toBe(200);
  });

  it("answers loopback names only, and pages from this machine only", async () => {
    expect((await get(port, "/", { host: "attacker.example" })).status).toBe(403);
    expect((await get(port, "/", { host: `localhost:${port}` })).status).toBe(200);
    expect(await openControl(port, "http://attacker.example")).toEqual({ refused: 403 });
  });

  it("speaks the control protocol on /control, to the page of any view on this machine", async () => {
    const open = await openControl(port, "http://127.0.0.1:1234");
    if ("refused" in open) throw new Error(`refused with ${open.refused}`);
    expect(open.first).toMatchObject({ toyvmm: { host: "default", auth: "none" } });
    open.ws.send(JSON.stringify({ execute: "query-host", id: 1 }));
    const answer = (await next(open.ws)) as { return: { guests: { name: string }[] }; id: number };
    expect(answer.id).toBe(1);
    expect(answer.return.guests.map((g) => g.name)).toEqual(expect.arrayContaining(["multi", "solo", "threads"]));
    open.ws.send("not json");
    expect(await next(open.ws)).toMatchObject({ error: { class: "BadRequest" } });
    open.ws.close();
  });

  it("refuses to listen beyond loopback without a token, in one line", async () => {
    const run = await runProgram(["host", "--control", `${tempFolder()}/x.sock`, "--http", "0.0.0.0:0"]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/--http 0\.0\.0\.0:0 listens beyond this machine and needs --token-file FILE/);
  });

  it("says so when the port is taken", async () => {
    const run = await runProgram(["host", "--control", `${tempFolder()}/y.sock`, "--http", String(port)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`--http 127\\.0\\.0\\.1:${port}: the address is in use`));
  });
});

describe("a view endpoint with a token", () => {
  const log = silentLogger;
  const token = "0123456789abcdef0123456789abcdef";
  const host = new Host({ name: "t", version: "0", speed: "max", clock: { now: () => 0 }, log });
  let server: ViewServer;
  beforeAll(async () => {
    server = await ViewServer.listen({
      address: { host: "127.0.0.1", port: 0 },
      token,
      root: webRoot(),
      log,
      session: (t) => new ControlSession(host, { timeOfDay: Date.now, log, ...(t ? { token: t } : {}) }),
    });
  });
  afterAll(() => server.close());

  it("lets any origin try, and answers nothing before authenticate", async () => {
    const port = Number(new URL(server.url).port);
    const open = await openControl(port, "http://elsewhere.example");
    if ("refused" in open) throw new Error(`refused with ${open.refused}`);
    expect(open.first).toMatchObject({ toyvmm: { auth: "token" } });
    open.ws.send(JSON.stringify({ execute: "query-vms" }));
    expect(await next(open.ws)).toMatchObject({ error: { class: "AuthenticationRequired" } });
    open.ws.send(JSON.stringify({ execute: "authenticate", arguments: { token } }));
    expect(await next(open.ws)).toEqual({ return: {} });
    open.ws.send(JSON.stringify({ execute: "query-vms" }));
    expect(await next(open.ws)).toEqual({ return: [] });
    open.ws.close();
  });
});

/**
 * The web view's endpoint: an HTTP server that serves the built page (dist/web/) and, at
 * `/control`, a WebSocket that carries the control protocol itself — each message one request
 * from the page, or one answer or event line from the host — so the page is one more client of
 * the same protocol, with the same sessions (session.ts), bounds and checks as the CLI's.
 *
 *   GET /, /assets/…     the page (read-only files)
 *   GET /results/…       a results directory, when one was given (results-files.ts)
 *   GET /control         WebSocket: greeting, then requests ⇄ answers and events
 *
 * What speaks on the socket is a session from `options.session`: the host's ControlSession, or
 * the simulated world's replay (vmm/host/http/replay-session.ts). Who may connect: origin.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Logger } from "../../log.js";
import { describeAddress, isLoopback, type TcpAddress } from "../address.js";
import { REQUEST_LINE_MAX } from "../protocol.js";
import { loopbackHostHeader, loopbackOrigin } from "./origin.js";
import { serveResults } from "./results-files.js";
import { serveStatic } from "./static-files.js";

/** A connection's protocol side, as the control server drives it (ControlSession has this shape). */
export interface ViewSession {
  receive(chunk: Uint8Array): void;
  /** The next line for the client (ending in a newline), or null. */
  takeOutput(): string | null;
  readonly closing: string | null;
  readonly overflowed: boolean;
  readonly hasQueued: boolean;
  readonly isAuthenticated: boolean;
  dispose(): void;
}

export interface ViewServerOptions {
  address: TcpAddress;
  /** Beyond loopback: the token every session must present first (`authenticate`). */
  token?: string;
  /** The built page's folder. */
  root: string;
  session: (token: string | undefined) => ViewSession;
  /** A results directory to offer under /results/ (results-files.ts). */
  results?: string;
  log: Logger;
}

/** Most pages connected at once. */
export const MAX_VIEWS = 64;
const AUTH_TIMEOUT_MS = 10_000;
/** Bytes handed to a WebSocket before waiting for it to send them. */
const HIGH_WATER = 256 * 1024;
const encoder = new TextEncoder();

interface View {
  ws: WebSocket;
  session: ViewSession;
  sending: boolean;
}

export class ViewServer {
  private readonly views = new Set<View>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: REQUEST_LINE_MAX });

  private constructor(
    private readonly http: Server,
    private readonly options: ViewServerOptions,
    /** Where the page is, e.g. http://127.0.0.1:8080/ (a port asked as 0 is the one given). */
    readonly url: string,
  ) {
    http.on("request", (request, response) => this.request(request, response));
    http.on("upgrade", (request, socket, head) => this.upgrade(request, socket, head));
  }

  static async listen(options: ViewServerOptions): Promise<ViewServer> {
    const http = createServer();
    const { address } = options;
    await new Promise<void>((resolve, reject) => {
      http.once("error", (error: NodeJS.ErrnoException) => {
        const where = describeAddress({ kind: "tcp", ...address });
        const problem =
          error.code === "EADDRINUSE"
            ? "the address is in use"
            : error.code === "EADDRNOTAVAIL"
              ? "no such address on this machine"
              : error.code === "EACCES"
                ? "permission denied"
                : error.message;
        reject(new Error(`--http ${where}: ${problem}`));
      });
      http.listen(address.port, address.host, () => resolve());
    });
    const port = (http.address() as { port: number }).port;
    return new ViewServer(http, options, `http://${describeAddress({ kind: "tcp", host: address.host, port })}/`);
  }

  /** Without a token only loopback names and pages may come in (origin.ts says why). */
  private allowed(request: IncomingMessage): boolean {
    if (this.options.token !== undefined) return true;
    return loopbackHostHeader(request.headers.host) && loopbackOrigin(request.headers.origin);
  }

  private headers(): Record<string, string> {
    // The page talks to this host and to other hosts' views on this machine, and to nothing else.
    const here = isLoopback(this.options.address.host)
      ? ""
      : ` ws://${describeAddress({ kind: "tcp", host: this.options.address.host, port: 1 }).replace(/:1$/, "")}:*`;
    const connect = `'self' ws://127.0.0.1:* ws://localhost:*${here}`;
    return {
      "content-security-policy": `default-src 'self'; connect-src ${connect}; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-eval'; frame-ancestors 'none'`,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    };
  }

  private request(request: IncomingMessage, response: ServerResponse): void {
    if (!this.allowed(request))
      return this.refuse(response, 403, "forbidden: this view answers pages on this machine only (see docs/WEB.md)");
    if (request.method !== "GET" && request.method !== "HEAD") return this.refuse(response, 405, "only GET");
    let path: string;
    try {
      path = decodeURIComponent((request.url ?? "/").split("?")[0]!).replace(/^\/+/, "");
    } catch {
      return this.refuse(response, 400, "the path is not valid percent-encoding");
    }
    const { results, root } = this.options;
    const served = path.startsWith("results/")
      ? serveResults(results ?? null, path.slice("results/".length), response, this.headers())
      : serveStatic(root, path, response, this.headers());
    if (!served) this.refuse(response, 404, `no such file: /${path}`);
  }

  private refuse(response: ServerResponse, status: number, message: string): void {
    response.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    response.end(message + "\n");
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? "").split("?")[0];
    const refusal =
      path !== "/control"
        ? "404 Not Found"
        : !this.allowed(request)
          ? "403 Forbidden"
          : this.views.size >= MAX_VIEWS
            ? "503 Service Unavailable"
            : null;
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nconnection: close\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    const session = this.options.session(this.options.token);
    const view: View = { ws, session, sending: false };
    this.views.add(view);
    this.options.log.debug({ views: this.views.size }, "view connected");
    const deadline =
      this.options.token !== undefined
        ? setTimeout(() => session.isAuthenticated || ws.terminate(), AUTH_TIMEOUT_MS)
        : undefined;
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) return void ws.close(1003, "text messages only");
      // One request a message; the session reads lines.
      session.receive(
        data.length > 0 && data[data.length - 1] === 0x0a ? data : Buffer.concat([data, encoder.encode("\n")]),
      );
      this.pumpAll();
    });
    ws.on("error", (error) => this.options.log.debug({ error: error.message }, "view connection failed"));
    ws.on("close", () => {
      clearTimeout(deadline);
      session.dispose();
      this.views.delete(view);
      this.options.log.debug({ views: this.views.size }, "view gone");
    });
    this.pump(view);
  }

  /** Sends every page what its session has for it. */
  pumpAll(): void {
    for (const view of this.views) this.pump(view);
  }

  private pump(view: View): void {
    const { ws, session } = view;
    if (ws.readyState !== ws.OPEN || view.sending) return;
    if (session.overflowed) {
      this.options.log.warn({ reason: session.closing }, "dropping a view");
      return void ws.terminate();
    }
    for (let line = session.takeOutput(); line !== null; line = session.takeOutput()) {
      const text = line.endsWith("\n") ? line.slice(0, -1) : line;
      if (ws.bufferedAmount + text.length < HIGH_WATER) {
        ws.send(text);
        continue;
      }
      // The socket holds enough: the rest waits in the session (where it is bounded) until this is sent.
      view.sending = true;
      ws.send(text, () => ((view.sending = false), this.pump(view)));
      return;
    }
    if (session.closing && !session.hasQueued) ws.close(1000, session.closing.slice(0, 100));
  }

  async close(): Promise<void> {
    for (const view of this.views) {
      this.pump(view);
      view.session.dispose();
      view.ws.close(1001, "the host stops");
      setTimeout(() => view.ws.terminate(), 1000).unref();
    }
    this.wss.close();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await closed;
  }
}

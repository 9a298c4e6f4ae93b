/**
 * The control endpoint's sockets: the thin driver around the sessions (session.ts). It moves
 * bytes from each socket into its session and the session's output into the socket while the
 * socket takes it (kernel buffer not full), so output waits in the session, where it is bounded;
 * it ends a connection the session is done with and drops one the session gave up on.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "../log.js";
import { describeAddress, type ControlAddress, type TcpAddress } from "./address.js";
import type { Host } from "./host.js";
import { ControlSession } from "./session.js";
import { bindUnixSocket, removeUnixSocket, type BoundSocket } from "./unix-socket.js";

/** Most clients at once; one more is told so and closed. */
export const MAX_CLIENTS = 64;
/** Time a TCP client has to authenticate. */
export const AUTH_TIMEOUT_MS = 10_000;
/** Bytes handed to a socket before waiting for it to drain. */
const HIGH_WATER = 64 * 1024;

interface Connection {
  socket: Socket;
  session: ControlSession;
}

export class ControlServer {
  private readonly connections = new Set<Connection>();
  private readonly servers: Server[] = [];
  private readonly bound: BoundSocket[] = [];
  /** Where clients can connect, as they would name it. */
  readonly addresses: ControlAddress[] = [];

  constructor(
    private readonly host: Host,
    private readonly log: Logger,
    private readonly timeOfDay: () => number = Date.now,
  ) {}

  async listenUnix(path: string): Promise<void> {
    const server = this.server(undefined);
    this.bound.push(await bindUnixSocket(server, path));
    this.addresses.push({ kind: "unix", path });
  }

  /** Listens on TCP; clients must present `token` first. Port 0 takes a free port. */
  async listenTcp(address: TcpAddress, token: string): Promise<void> {
    const server = this.server(token);
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) => {
        const where = describeAddress({ kind: "tcp", ...address });
        reject(new Error(error.code === "EADDRINUSE" ? `${where}: address in use` : error.code === "EADDRNOTAVAIL" ? `${where}: not an address of this machine` : `${where}: ${error.message}`));
      });
      server.listen(address.port, address.host, () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    this.addresses.push({ kind: "tcp", host: address.host, port });
  }

  private server(token: string | undefined): Server {
    const server = createServer((socket) => this.accept(socket, token));
    this.servers.push(server);
    return server;
  }

  private accept(socket: Socket, token: string | undefined): void {
    if (this.connections.size >= MAX_CLIENTS) {
      socket.end(JSON.stringify({ error: { class: "GenericError", desc: `host ${this.host.name} has ${MAX_CLIENTS} clients already; try later` } }) + "\n");
      return;
    }
    const session = new ControlSession(this.host, { timeOfDay: this.timeOfDay, log: this.log, ...(token !== undefined ? { token } : {}) });
    const connection = { socket, session };
    this.connections.add(connection);
    this.log.debug({ clients: this.connections.size }, "control client connected");
    const deadline = token !== undefined ? setTimeout(() => session.isAuthenticated || socket.destroy(), AUTH_TIMEOUT_MS) : undefined;
    socket.on("data", (chunk: Buffer) => {
      session.receive(chunk);
      this.pumpAll();
    });
    socket.on("drain", () => this.pump(connection));
    socket.on("error", (error) => this.log.debug({ error: error.message }, "control connection failed"));
    socket.on("close", () => {
      clearTimeout(deadline);
      session.dispose();
      this.connections.delete(connection);
      this.log.debug({ clients: this.connections.size }, "control client gone");
    });
    this.pump(connection);
  }

  /** Sends every client what it has waiting (answers, events, console output). */
  pumpAll(): void {
    for (const connection of this.connections) this.pump(connection);
  }

  private pump({ socket, session }: Connection): void {
    if (socket.destroyed || socket.writableEnded) return;
    if (session.overflowed) {
      this.log.warn({ reason: session.closing }, "dropping a control client");
      socket.destroy();
      return;
    }
    while (socket.writableLength < HIGH_WATER) {
      const text = session.takeOutput();
      if (text === null) break;
      socket.write(text);
    }
    if (session.closing && !session.hasQueued) socket.end();
  }

  /** Stops accepting, ends every connection after what it has queued, removes the socket files. */
  async close(): Promise<void> {
    const closed = this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const bound of this.bound) removeUnixSocket(bound);
    for (const connection of this.connections) {
      const { socket, session } = connection;
      this.pump(connection);
      session.dispose();
      socket.end();
      // A client that does not read its last bytes is not waited for.
      setTimeout(() => socket.destroy(), 1000).unref();
    }
    await Promise.all(closed);
  }
}

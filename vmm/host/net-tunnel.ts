/**
 * Trunks between hosts' switches over TCP: the thin driver around vmm/net/tunnel-codec.ts.
 * A host listens for other hosts (`--net-listen`) and dials the ones it is told of
 * (`--net-peer`); each connection, once both hellos are through, is a trunk port of the
 * host's switch (network.ts). A dialled peer that goes away is dialled again every second
 * while the host runs, so hosts may start in any order.
 *
 * Bounded: at most TRUNKS_MAX connections at once (more are refused), at most SEND_QUEUE_MAX
 * bytes waiting for a peer that reads slowly (frames beyond are dropped and counted on the
 * port, as a full switch buffer drops them), a hello within HELLO_MS. A malformed stream closes
 * its connection with one line in the log naming the peer and the byte.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import type { Logger } from "../log.js";
import { encodeTunnelFrame, TunnelDecoder, TunnelError, tunnelHello } from "../net/tunnel-codec.js";
import { describeAddress, type TcpAddress } from "./address.js";
import type { HostNetwork } from "./network.js";

export const TRUNKS_MAX = 16;
export const SEND_QUEUE_MAX = 256 * 1024;
const HELLO_MS = 5_000;
const REDIAL_MS = 1_000;

const show = (address: TcpAddress) => describeAddress({ kind: "tcp", ...address });

export class NetTunnels {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Where other hosts join this one, as HOST:PORT, or null. */
  listenAddress: string | null = null;

  private constructor(
    private readonly network: HostNetwork,
    private readonly log: Logger,
  ) {}

  /** Listens on `listen` (when given) and dials every peer; resolves once listening. */
  static async start(network: HostNetwork, options: { listen?: TcpAddress; peers: TcpAddress[] }, log: Logger): Promise<NetTunnels> {
    const tunnels = new NetTunnels(network, log);
    if (options.listen) await tunnels.listen(options.listen);
    for (const peer of options.peers) tunnels.dial(peer);
    return tunnels;
  }

  private listen(address: TcpAddress): Promise<void> {
    const server = createServer((socket) => {
      if (this.sockets.size >= TRUNKS_MAX) {
        this.log.warn({ peer: socket.remoteAddress }, `network tunnel refused: already ${TRUNKS_MAX} trunks`);
        socket.destroy();
        return;
      }
      this.open(socket, `${socket.remoteAddress}:${socket.remotePort}`, null);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(address.port, address.host, () => {
        server.off("error", reject);
        const port = (server.address() as { port: number }).port;
        this.listenAddress = show({ host: address.host, port });
        resolve();
      });
    });
  }

  /** Dials a peer; `failing` is the error the last try ended with, said once rather than every second. */
  private dial(peer: TcpAddress, failing = ""): void {
    if (this.closed) return;
    const socket = connect(peer.port, peer.host);
    this.open(socket, show(peer), { peer, failing });
  }

  /** A connection either way: hello out, hello in, then a trunk until it closes. */
  private open(socket: Socket, name: string, redial: { peer: TcpAddress; failing: string } | null): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const decoder = new TunnelDecoder();
    let port = -1;
    const hello = setTimeout(() => fail(`no hello within ${HELLO_MS / 1000} s`), HELLO_MS);
    const fail = (why: string) => {
      this.log.warn({ peer: name }, `network tunnel ${name}: ${why}`);
      socket.destroy();
    };
    socket.write(tunnelHello());
    socket.on("data", (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        if (error instanceof TunnelError) return fail(error.message);
        throw error;
      }
      if (port < 0) {
        clearTimeout(hello);
        port = this.network.plugWire("trunk", name, (frame) => this.send(socket, frame));
        this.log.info({ peer: name }, "network tunnel up: a trunk of the host's switch");
      }
      for (const frame of frames) this.network.fromWire(port, frame);
    });
    let failing = "";
    socket.on("error", (error) => {
      failing = error.message;
      if (!this.closed && failing !== redial?.failing) this.log.warn({ peer: name, error: failing }, `network tunnel ${name}: ${failing}${redial ? " (trying again every second)" : ""}`);
    });
    socket.on("close", () => {
      clearTimeout(hello);
      this.sockets.delete(socket);
      if (port >= 0) {
        this.network.unplug(port);
        this.log.info({ peer: name }, "network tunnel down");
      }
      if (redial && !this.closed) this.later(() => this.dial(redial.peer, failing));
    });
  }

  /** A frame for the peer; false (dropped) while too much waits for it already. */
  private send(socket: Socket, frame: Uint8Array): boolean {
    if (socket.destroyed || socket.writableLength > SEND_QUEUE_MAX) return false;
    socket.write(encodeTunnelFrame(frame));
    return true;
  }

  private later(run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, REDIAL_MS);
    this.timers.add(timer);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

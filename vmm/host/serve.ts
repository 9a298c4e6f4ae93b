/**
 * A host process's parts put together: the host, its control server on a UNIX socket (and on
 * TCP when asked, behind a token), and the loop that runs its VMs on the wall clock; and the
 * orderly stop — no new connections, clients closed after their last answer, VMs stopped, the
 * socket file removed.
 */
import { performance } from "node:perf_hooks";
import { UserError } from "../../isa/errors.js";
import type { Logger } from "../log.js";
import { describeAddress, type ControlAddress, type TcpAddress } from "./address.js";
import { ControlServer } from "./control-server.js";
import { Host } from "./host.js";
import { ControlSession } from "./session.js";
import { ViewServer } from "./http/view-server.js";
import { HostLoop } from "./loop.js";
import { HostMigrations } from "./migrations.js";
import { NetTunnels } from "./net-tunnel.js";
import { HostForwarding, type HostfwdRule } from "./hostfwd.js";
import { PortCaptures } from "./port-captures.js";
import type { Speed } from "./scheduler.js";

export interface HostConfig {
  name: string;
  version: string;
  speed: Speed;
  /** The control socket's path. */
  controlPath: string;
  /** A TCP control endpoint, and the token its clients must present. */
  tcp?: { address: TcpAddress; token: string };
  /** Where incoming migrations are accepted (port 0: a free one). */
  migrateListen?: TcpAddress;
  /** Trunks to other hosts' switches: where others join this one, and the hosts this one joins. */
  net?: { listen?: TcpAddress; peers: TcpAddress[] };
  /** Ports of this machine forwarded to guests' ports (--hostfwd). */
  hostfwd?: HostfwdRule[];
  /** A folder for a pcap file per port of the host's switch (--capture). */
  capture?: string;
  /** N of the forwarder's address 10.0.2.N (--hostfwd-address); else one from the host's name. */
  hostfwdAddress?: number;
  /** The web view (http/view-server.ts): where it listens, the built page, and its token beyond loopback. */
  http?: { address: TcpAddress; root: string; token?: string };
  log: Logger;
}

export interface RunningHost {
  host: Host;
  config: HostConfig;
  /** Where clients connect (a TCP port asked as 0 is the one given). */
  addresses: ControlAddress[];
  /** Where incoming migrations are accepted, as HOST:PORT, or null. */
  migrateListen: string | null;
  /** The web view's address, e.g. http://127.0.0.1:8080/, or null. */
  view: string | null;
  /** Where other hosts' switches join this one (--net-listen), as HOST:PORT, or null. */
  netListen: string | null;
  /** Each forwarded port and where it goes, "127.0.0.1:8080 to server:80". */
  hostfwd: string[];
  /** Stops the host; resolves once it has (calling it again waits for the same stop). */
  stop(reason: string): Promise<void>;
  /** Resolves once the host has stopped, however it was asked to. */
  stopped: Promise<void>;
}

const wallClock = { now: () => performance.now() * 1e6 };

export async function startHost(config: HostConfig): Promise<RunningHost> {
  const { log } = config;
  // First, so a folder that cannot be made stops the host before anything listens.
  const captures = config.capture !== undefined ? new PortCaptures(config.capture, log) : null;
  const host = new Host({ name: config.name, version: config.version, speed: config.speed, clock: wallClock, log });
  if (captures) host.network.tapOf = (port) => captures.tap(port);
  const server = new ControlServer(host, log);
  let view: ViewServer | null = null;
  const loop = new HostLoop(host, () => (server.pumpAll(), view?.pumpAll()));
  // The loop's next turn sends clients what is queued for them.
  host.onEmit = () => loop.poke();
  await server.listenUnix(config.controlPath);
  let migrations: HostMigrations;
  try {
    if (config.tcp) await server.listenTcp(config.tcp.address, config.tcp.token);
    migrations = await HostMigrations.start(host, config.migrateListen, log);
  } catch (error) {
    await server.close();
    throw listenError(error, "--migrate-listen", config.migrateListen);
  }
  let tunnels: NetTunnels;
  try {
    tunnels = await NetTunnels.start(host.network, config.net ?? { peers: [] }, log);
  } catch (error) {
    await migrations.close();
    await server.close();
    throw listenError(error, "--net-listen", config.net?.listen);
  }
  host.network.listenAddress = tunnels.listenAddress;
  let forwarding: HostForwarding;
  try {
    forwarding = await HostForwarding.start(host, config.hostfwd ?? [], config.speed, log, config.hostfwdAddress);
  } catch (error) {
    await tunnels.close();
    await migrations.close();
    await server.close();
    captures?.close();
    throw error;
  }
  try {
    if (config.http) view = await startView(host, config.http, log);
  } catch (error) {
    await forwarding.close();
    await tunnels.close();
    await migrations.close();
    await server.close();
    captures?.close();
    throw new UserError((error as Error).message);
  }
  host.migrations = migrations;
  loop.start();

  let stopping: Promise<void> | null = null;
  let stoppedNow!: () => void;
  const stopped = new Promise<void>((resolve) => (stoppedNow = resolve));
  const stop = (reason: string): Promise<void> =>
    (stopping ??= (async () => {
      log.info({ host: config.name, reason }, "host stopping");
      loop.stop();
      await migrations.close();
      await forwarding.close();
      await tunnels.close();
      await view?.close();
      await server.close();
      host.destroyAll();
      captures?.close();
      log.info({ host: config.name }, "host stopped");
      stoppedNow();
    })());
  // The answer to `quit` goes out before the connections close.
  host.onQuit = () => void setImmediate(() => void stop("a client asked it to quit"));

  log.info(
    {
      host: config.name,
      control: server.addresses.map(describeAddress),
      speed: config.speed,
      ...(migrations.listenAddress ? { migrateListen: migrations.listenAddress } : {}),
      ...(view ? { view: view.url } : {}),
      ...(tunnels.listenAddress ? { netListen: tunnels.listenAddress } : {}),
      ...(forwarding.listening.length ? { hostfwd: forwarding.listening } : {}),
    },
    "host started",
  );
  return { host, config, addresses: server.addresses, migrateListen: migrations.listenAddress, view: view?.url ?? null, netListen: tunnels.listenAddress, hostfwd: forwarding.listening, stop, stopped };
}

/** The web view: the page, and the control protocol over a WebSocket with a session per page. */
function startView(host: Host, http: NonNullable<HostConfig["http"]>, log: Logger): Promise<ViewServer> {
  return ViewServer.listen({
    address: http.address,
    root: http.root,
    log,
    ...(http.token !== undefined ? { token: http.token } : {}),
    session: (token) => new ControlSession(host, { timeOfDay: Date.now, log, ...(token !== undefined ? { token } : {}) }),
  });
}

/** An address that cannot be listened on, in one line naming the flag. */
function listenError(error: unknown, flag: string, address: TcpAddress | undefined): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (!address || (code !== "EADDRINUSE" && code !== "EADDRNOTAVAIL" && code !== "EACCES")) return error;
  const where = describeAddress({ kind: "tcp", ...address });
  return new UserError(`${flag} ${where}: ${code === "EADDRINUSE" ? "the address is in use" : code === "EACCES" ? "permission denied" : "no such address on this machine"}`);
}

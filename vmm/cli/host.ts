/**
 * `toyvmm host`: a long-running host process that runs VMs on the wall clock and answers the
 * control protocol (docs/HOSTS.md) on a UNIX socket — private to its user — and, when asked,
 * on TCP behind a token. `toyvmm host stop` asks a running host to stop.
 *
 * SIGINT and SIGTERM stop it cleanly: no new connections, clients closed, VMs stopped, the
 * socket file removed, exit status 0. `--detach` starts the host in the background and returns
 * once it listens, for scripts.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../../isa/errors.js";
import { fileError } from "../../isa/user-files.js";
import { createLogger, type Logger } from "../log.js";
import { parseCount } from "../migration/units.js";
import { describeAddress, isLoopback, parseTcpAddress, type ControlAddress, type TcpAddress } from "../host/address.js";
import { ControlClient } from "../host/client.js";
import { defaultControlPath, DEFAULT_HOST_NAME, ensurePrivateDir, HOST_NAME_PATTERN } from "../host/runtime-dir.js";
import type { Speed } from "../host/scheduler.js";
import { startHost } from "../host/serve.js";
import { parseForwarderAddress, parseHostfwd, type HostfwdRule } from "../host/hostfwd.js";
import { readTokenFile } from "../host/token.js";
import { builtWebRoot } from "../host/http/web-root.js";
import { toyvmmVersion } from "../version.js";
import { UsageProblem } from "./arguments.js";
import type { CliContext, Command } from "./shared.js";

interface HostCliOptions {
  action?: string;
  name: string;
  control?: string;
  controlTcp?: string;
  tokenFile?: string;
  migrateListen?: string;
  netListen?: string;
  netPeer?: string[];
  hostfwd?: string[];
  capture?: string;
  hostfwdAddress?: string;
  http?: string;
  speed: string;
  detach: boolean;
  logFile?: string;
}

/** Set in the environment of a host started by --detach: it reports "ready" or its error to its parent. */
const DETACHED = "TOYVMM_HOST_DETACHED";
const DETACH_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 15_000;

/** The control endpoints and knobs the flags describe, checked before anything starts. */
interface Endpoints {
  controlPath: string;
  /** True when the socket goes in the default runtime folder (which must be private). */
  defaultPath: boolean;
  tcp?: { address: TcpAddress; token: string };
  migrateListen?: TcpAddress;
  net?: { listen?: TcpAddress; peers: TcpAddress[] };
  hostfwd?: HostfwdRule[];
  hostfwdAddress?: number;
  http?: { address: TcpAddress; root: string; token?: string };
}

function endpointsOf(args: HostCliOptions): Endpoints {
  if (!HOST_NAME_PATTERN.test(args.name)) {
    throw new UserError(
      `--name ${JSON.stringify(args.name)}: expected 1 to 64 letters, digits, "_", "." or "-", not starting with "." or "-"`,
    );
  }
  if (args.tokenFile !== undefined && args.controlTcp === undefined && args.http === undefined) {
    throw new UsageProblem("--token-file goes with --control-tcp or --http (the UNIX socket needs no token)");
  }
  const endpoints: Endpoints = {
    controlPath: args.control ?? defaultControlPath(args.name),
    defaultPath: args.control === undefined,
  };
  if (args.controlTcp !== undefined) {
    const address = parseTcpAddress(args.controlTcp, "--control-tcp", { anyPort: args.action !== "stop" });
    if (args.tokenFile === undefined) {
      throw new UserError(
        "--control-tcp needs --token-file FILE: any user of this machine (or beyond it) can reach a TCP port, so its clients must present a token",
      );
    }
    endpoints.tcp = { address, token: readTokenFile(args.tokenFile) };
  }
  if (args.migrateListen !== undefined) {
    const address = parseTcpAddress(args.migrateListen, "--migrate-listen", { anyPort: true });
    const tcp = endpoints.tcp?.address;
    if (tcp && address.port !== 0 && tcp.port === address.port && tcp.host === address.host)
      throw new UserError(`--migrate-listen ${args.migrateListen}: the control endpoint is already there`);
    endpoints.migrateListen = address;
  }
  if (args.netListen !== undefined || args.netPeer?.length) {
    endpoints.net = {
      ...(args.netListen !== undefined ? { listen: parseTcpAddress(args.netListen, "--net-listen", { anyPort: true }) } : {}),
      peers: (args.netPeer ?? []).map((peer) => parseTcpAddress(peer, "--net-peer")),
    };
  }
  if (args.hostfwd?.length) endpoints.hostfwd = args.hostfwd.map(parseHostfwd);
  if (args.hostfwdAddress !== undefined) {
    if (!args.hostfwd?.length) throw new UsageProblem("--hostfwd-address goes with --hostfwd (it is the forwarder's address)");
    endpoints.hostfwdAddress = parseForwarderAddress(args.hostfwdAddress);
  }
  if (args.http !== undefined) endpoints.http = viewEndpoint(args, endpoints);
  return endpoints;
}

/** --http: on loopback as it is; beyond it only with --token-file, whose token each page must present. */
function viewEndpoint(args: HostCliOptions, endpoints: Endpoints): NonNullable<Endpoints["http"]> {
  const address = parseTcpAddress(args.http!, "--http", { anyPort: true });
  const root = builtWebRoot("--http");
  if (isLoopback(address.host)) return { address, root };
  if (args.tokenFile === undefined) {
    throw new UserError(`--http ${args.http} listens beyond this machine and needs --token-file FILE: anyone who reaches the port could run guests and write files as this user`);
  }
  return { address, root, token: endpoints.tcp?.token ?? readTokenFile(args.tokenFile) };
}

function speedOf(text: string): Speed {
  return text === "max" ? "max" : parseCount(text, "--speed");
}

/** The logger: the program's (on stderr), or one writing to --log-file. */
function loggerOf(args: HostCliOptions & CliContext): { log: Logger; close(): void } {
  if (args.logFile === undefined) return { log: args.log, close: () => {} };
  let fd: number;
  try {
    fd = openSync(args.logFile, "a", 0o600);
  } catch (error) {
    throw fileError(args.logFile, error);
  }
  return {
    log: createLogger(args.logLevel, { write: (line: string) => void writeSync(fd, line) }),
    close: () => closeSync(fd),
  };
}

/** A host started by --detach: tells its parent (over the IPC channel) that it is ready, or why not. */
function tellParent(message: { ready: string } | { error: string }): void {
  if (process.env[DETACHED] !== "1" || !process.send) return;
  process.send(message);
  if ("ready" in message) process.disconnect();
}

async function serve(args: HostCliOptions & CliContext, endpoints: Endpoints, version: string): Promise<void> {
  const { log, close } = loggerOf(args);
  try {
    if (endpoints.defaultPath) ensurePrivateDir(dirname(endpoints.controlPath));
    const running = await startHost({
      name: args.name,
      version,
      speed: speedOf(args.speed),
      controlPath: endpoints.controlPath,
      log,
      ...(endpoints.tcp ? { tcp: endpoints.tcp } : {}),
      ...(endpoints.migrateListen ? { migrateListen: endpoints.migrateListen } : {}),
      ...(endpoints.net ? { net: endpoints.net } : {}),
      ...(endpoints.hostfwd ? { hostfwd: endpoints.hostfwd } : {}),
      ...(args.capture !== undefined ? { capture: args.capture } : {}),
      ...(endpoints.hostfwdAddress !== undefined ? { hostfwdAddress: endpoints.hostfwdAddress } : {}),
      ...(endpoints.http ? { http: endpoints.http } : {}),
    });
    const stopOn = (signal: NodeJS.Signals) => void running.stop(signal);
    process.once("SIGINT", stopOn).once("SIGTERM", stopOn);
    const migrations = running.migrateListen ? `; migrations on ${running.migrateListen}` : "";
    const view = running.view ? `; view on ${running.view}` : "";
    const net = running.netListen ? `; network on ${running.netListen}` : "";
    const forwards = running.hostfwd.map((f) => `; forwarding ${f}`).join("");
    const captures = args.capture !== undefined ? `; capturing in ${args.capture}` : "";
    const ready = `host ${args.name} listening on ${running.addresses.map(describeAddress).join(" and ")}${migrations}${net}${forwards}${captures}${view}`;
    args.io.stdout.write(ready + "\n");
    tellParent({ ready: `${ready} (pid ${process.pid})` });
    await running.stopped;
    process.off("SIGINT", stopOn).off("SIGTERM", stopOn);
  } catch (error) {
    tellParent({ error: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    close();
  }
}

/** The flags that start this same host in the foreground. */
function foregroundArgv(args: HostCliOptions & CliContext): string[] {
  const flags: [string, string | undefined][] = [
    ["--name", args.name],
    ["--control", args.control],
    ["--control-tcp", args.controlTcp],
    ["--token-file", args.tokenFile],
    ["--migrate-listen", args.migrateListen],
    ["--net-listen", args.netListen],
    ...(args.netPeer ?? []).map((peer): [string, string] => ["--net-peer", peer]),
    ...(args.hostfwd ?? []).map((rule): [string, string] => ["--hostfwd", rule]),
    ["--capture", args.capture],
    ["--hostfwd-address", args.hostfwdAddress],
    ["--http", args.http],
    ["--speed", args.speed],
    ["--log-file", args.logFile],
    ["--log-level", args.logLevel],
  ];
  return ["host", ...flags.flatMap(([flag, value]) => (value === undefined ? [] : [flag, value]))];
}

/** Starts this same host in the background and waits until it listens. */
function detach(args: HostCliOptions & CliContext): Promise<void> {
  const main = fileURLToPath(new URL("./main.js", import.meta.url));
  const child = spawn(process.execPath, [main, ...foregroundArgv(args)], {
    detached: true,
    stdio: ["ignore", "ignore", "ignore", "ipc"],
    env: { ...process.env, [DETACHED]: "1" },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new UserError(`the host did not start within ${DETACH_TIMEOUT_MS / 1000} s`));
    }, DETACH_TIMEOUT_MS);
    child.once("message", (message: { ready?: string; error?: string }) => {
      clearTimeout(timer);
      child.removeAllListeners("exit");
      if (message.error !== undefined) return reject(new UserError(message.error));
      args.io.stdout.write(`${message.ready}\n`);
      child.unref();
      child.channel?.unref();
      resolve();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(
        new UserError(`the host exited at start with status ${code}${args.logFile ? ` (see ${args.logFile})` : ""}`),
      );
    });
  });
}

/** `toyvmm host stop`: asks the host to quit and waits until it has. */
async function stop(endpoints: Endpoints): Promise<void> {
  const address: ControlAddress = endpoints.tcp
    ? { kind: "tcp", ...endpoints.tcp.address }
    : { kind: "unix", path: endpoints.controlPath };
  const client = await ControlClient.connect(address, {
    ...(endpoints.tcp ? { token: endpoints.tcp.token } : {}),
    hint: "nothing to stop",
  });
  await client.call("quit", {});
  const timeout = new Promise<never>((_resolve, reject) =>
    setTimeout(
      () => reject(new UserError(`host ${client.greeting.host} did not stop within ${STOP_TIMEOUT_MS / 1000} s`)),
      STOP_TIMEOUT_MS,
    ).unref(),
  );
  await Promise.race([client.ended, timeout]);
}

export const hostCommand: Command<HostCliOptions> = {
  command: "host [action]",
  describe: "Run a host process: VMs on the wall clock, controlled over a socket",
  builder: (yargs) =>
    yargs
      .positional("action", {
        type: "string",
        choices: ["stop"],
        describe: "stop: ask the running host (found by the same flags) to stop",
      })
      .option("name", {
        type: "string",
        default: DEFAULT_HOST_NAME,
        describe: "The host's name; its default socket is NAME.sock in the runtime folder",
      })
      .option("control", {
        type: "string",
        describe:
          "Control socket path (default: $XDG_RUNTIME_DIR/toyvmm/NAME.sock, or a private folder in the temporary folder)",
      })
      .option("control-tcp", {
        type: "string",
        describe:
          "Also listen for control on TCP at [HOST:]PORT (HOST defaults to 127.0.0.1; port 0 takes a free one); needs --token-file",
      })
      .option("token-file", {
        type: "string",
        describe: "File holding the token TCP clients must present (mode 600, at least 16 characters)",
      })
      .option("migrate-listen", {
        type: "string",
        describe:
          "Accept incoming migrations (toyvmm vm migrate) at [HOST:]PORT (HOST defaults to 127.0.0.1; port 0 takes a free one)",
      })
      .option("net-listen", {
        type: "string",
        describe:
          "Let other hosts join their switches to this one's (--net-peer) at [HOST:]PORT (HOST defaults to 127.0.0.1; port 0 takes a free one)",
      })
      .option("net-peer", {
        type: "string",
        array: true,
        describe: "Join this host's switch to the one of the host listening (--net-listen) at HOST:PORT, over TCP; dialled again every second while it is away (repeatable)",
      })
      .option("hostfwd", {
        type: "string",
        array: true,
        describe:
          "Forward a TCP or UDP port of this machine to a guest's, as QEMU's hostfwd: tcp:[HOSTADDR]:HOSTPORT-GUEST:GUESTPORT or udp:…, GUEST a VM's name or 10.0.0.N (HOSTADDR defaults to 127.0.0.1; port 0 takes a free one; repeatable)",
      })
      .option("hostfwd-address", {
        type: "string",
        describe: "The forwarder's address on the guest network, 10.0.2.N (N 2 to 254); by default one from the host's name, which a joined host's may share (the log then says so)",
      })
      .option("capture", {
        type: "string",
        describe:
          "A pcap file per port of the host's switch in this folder, DIR/NAME.pcap (a VM's name, a trunk, the forwarder): the frames each takes in and is sent, at wall-clock time, for Wireshark or tcpdump",
      })
      .option("http", {
        type: "string",
        describe:
          "Serve the web view (docs/WEB.md) at [HOST:]PORT (HOST defaults to 127.0.0.1; port 0 takes a free one); beyond loopback only with --token-file",
      })
      .option("speed", {
        type: "string",
        default: "max",
        describe: "Guest ticks per wall-clock second for each VM (k, M, G suffixes), or max",
      })
      .option("detach", {
        type: "boolean",
        default: false,
        describe: "Start the host in the background; return once it listens",
      })
      .option("log-file", { type: "string", describe: "Append the host's logs to FILE instead of stderr" })
      .example(
        "$0 host --detach --control demo.sock && $0 host stop --control demo.sock",
        "start a host in the background, then stop it",
      )
      .example(
        "$0 host --detach --control h.sock --speed 2M && $0 vm start solo --host h.sock --args prog=fib && $0 vm console solo --host h.sock; $0 host stop --control h.sock",
        "guests at 2 million instructions a second: boot one, watch its console",
      )
      .example(
        "$0 host --detach --control ja.sock --speed 1M --net-listen 0 > ja.txt && $0 host --detach --control jb.sock --speed 1M --net-peer $(grep -o '[0-9.]*:[0-9]*' ja.txt | tail -1) && " +
          "$0 vm start multi-net --net --args run=tcpecho --host ja.sock && $0 vm start multi-net --net --mac 52:54:00:00:00:02 --args run=tcpclient --name client --host jb.sock && " +
          "$0 vm console client --host jb.sock; $0 host stop --control ja.sock; $0 host stop --control jb.sock",
        "two hosts whose switches are joined over TCP: a TCP echo server on one, its client on the other",
      )
      .example(
        "$0 host --detach --control w.sock --speed 10M --hostfwd tcp:127.0.0.1:0-web:80 && $0 vm start multi-net --net --args run=web --name web --host w.sock && " +
          "$0 vm network --host w.sock; $0 host stop --control w.sock",
        "forward a free loopback port (named in the start line) to port 80 of the guest web, multi-net's web server: curl http://127.0.0.1:PORT/ fetches its page",
      )
      .example(
        "$0 host --detach --control u.sock --speed 10M --hostfwd udp:127.0.0.1:0-echo:7 --hostfwd-address 10.0.2.20 && $0 vm start multi-net --net --args run=udpecho --name echo --host u.sock && " +
          "$0 vm network --host u.sock; $0 host stop --control u.sock",
        "forward a free loopback UDP port to the UDP echo server on port 7 of the guest echo, from the forwarder address 10.0.2.20: nc -u 127.0.0.1 PORT gets every line back",
      )
      .example("$0 host --detach --control v.sock --http 0 && $0 host stop --control v.sock", "a host with its web view on a free loopback port (the start line names the address to open in a browser)")
      .example(
        "umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \\n' > tok && $0 host --detach --control t.sock --control-tcp 0 --token-file tok && $0 host stop --control t.sock",
        "a TCP control endpoint on a free loopback port, with a token",
      )
      .epilogue(
        "In the foreground the host runs until Ctrl-C or SIGTERM, then stops its VMs, closes its clients, removes its socket and exits 0. " +
          "Clients connect with `toyvmm vm … --host ADDR` (see toyvmm vm --help). The control socket has mode 600 in a private folder; " +
          "TCP listens on the loopback interface unless a HOST is named, and only with a token. The protocol is in docs/HOSTS.md; the web view (--http) in docs/WEB.md.",
      ),
  handler: async (args) => {
    const endpoints = endpointsOf(args);
    if (args.action === "stop") return stop(endpoints);
    speedOf(args.speed); // checked here, before a detached host could fail on it out of sight
    if (args.controlTcp !== undefined && !isLoopback(endpoints.tcp!.address.host)) {
      args.log.warn(
        { address: args.controlTcp },
        "the control endpoint listens beyond this machine; anyone with the token can run guests and write files as this user",
      );
    }
    if (endpoints.http && !isLoopback(endpoints.http.address.host)) {
      args.log.warn({ address: args.http }, "the web view listens beyond this machine; anyone with the token can run guests and write files as this user, and its traffic is not encrypted");
    }
    if (endpoints.net?.listen && !isLoopback(endpoints.net.listen.host)) {
      args.log.warn({ address: args.netListen }, "the network tunnel listens beyond this machine; any host that reaches it joins the guests' network, and frames are not encrypted");
    }
    for (const rule of endpoints.hostfwd ?? []) {
      if (!isLoopback(rule.listen.host)) args.log.warn({ address: `${rule.listen.host}:${rule.listen.port}` }, "a forwarded port listens beyond this machine: anyone who reaches it talks to the guest");
    }
    if (endpoints.migrateListen && !isLoopback(endpoints.migrateListen.host)) {
      args.log.warn(
        { address: args.migrateListen },
        "the migration listener listens beyond this machine; a migration's token is its only protection, and its pages are not encrypted",
      );
    }
    if (args.detach) return detach(args);
    await serve(args, endpoints, toyvmmVersion());
  },
};

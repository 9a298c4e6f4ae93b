/**
 * Control addresses as users write them: a socket path, HOST:PORT (TCP), or a host's name
 * (the default socket of the host started with that --name). TCP addresses without a host are
 * on the loopback interface: nothing listens beyond this machine unless a user names an address.
 */
import { isIP } from "node:net";
import { UserError } from "../../isa/errors.js";
import { defaultControlPath, HOST_NAME_PATTERN } from "./runtime-dir.js";

export interface TcpAddress {
  host: string;
  port: number;
}

export type ControlAddress = { kind: "unix"; path: string } | ({ kind: "tcp" } & TcpAddress);

export const LOOPBACK = "127.0.0.1";

/**
 * `PORT`, `HOST:PORT` or `[IPv6]:PORT`; `option` names the flag in messages. With `anyPort`
 * (an address to listen on), port 0 asks for a free one.
 */
export function parseTcpAddress(text: string, option: string, { anyPort = false } = {}): TcpAddress {
  const match = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d+)$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  const lowest = anyPort ? 0 : 1;
  if (!match || !Number.isInteger(port) || port < lowest || port > 65535) {
    throw new UserError(`${option} ${JSON.stringify(text)}: expected PORT or HOST:PORT, with a port from ${lowest} to 65535`);
  }
  return { host: match[1] ?? match[2] ?? LOOPBACK, port };
}

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

/** What a client's --host means: a path (with a "/" or ending in .sock), HOST:PORT, or a host's name. */
export function parseControlAddress(text: string): ControlAddress {
  if (text.includes("/") || text.endsWith(".sock")) return { kind: "unix", path: text };
  if (/:\d+$/.test(text)) return { kind: "tcp", ...parseTcpAddress(text, "--host") };
  if (HOST_NAME_PATTERN.test(text)) return { kind: "unix", path: defaultControlPath(text) };
  throw new UserError(`--host ${JSON.stringify(text)}: expected a socket path, HOST:PORT, or the name of a host started without --control`);
}

export function describeAddress(address: ControlAddress): string {
  if (address.kind === "unix") return address.path;
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** True for an address that means "every interface" to a listener and no one machine to a sender. */
export function isUnspecified(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "0:0:0:0:0:0:0:0";
}

/**
 * Where a source can reach a destination's migration listener at `listen` (its HOST:PORT): as
 * it is, or, for a listener on every interface (0.0.0.0, ::), at the address the client
 * reached the destination host's control endpoint by — over its UNIX socket, this machine, as
 * the source host sees it (`sourceSeesUs`, on a TCP connection to it) or on loopback.
 */
export function reachableMigrationAddress(listen: string, destination: ControlAddress, sourceSeesUs: string | null): string {
  const { host, port } = parseTcpAddress(listen, "the destination's migration listener");
  if (!isUnspecified(host)) return listen;
  const reachable = destination.kind === "tcp" ? destination.host : (sourceSeesUs ?? (host === "0.0.0.0" ? LOOPBACK : "::1"));
  return describeAddress({ kind: "tcp", host: reachable.replace(/^::ffff:/, ""), port });
}

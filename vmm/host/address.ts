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

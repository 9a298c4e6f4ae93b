/**
 * Who may use a view endpoint from a browser. A page on any web site can make the browser
 * open a WebSocket to 127.0.0.1, and a DNS name can be pointed at 127.0.0.1 after the page
 * loaded (DNS rebinding), so an endpoint without a token answers only requests whose Host is
 * a loopback name and whose Origin (when a browser sends one) is a page on this machine — the
 * view of this host or of another host here. With a token the session must `authenticate`
 * first, as on the control TCP endpoint, so any origin may try.
 */
import { isLoopback } from "../address.js";

/** The host name of a Host header or an origin's authority: "127.0.0.1", "localhost", "::1". */
function hostnameOf(authority: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(authority);
  if (bracketed) return bracketed[1]!;
  return authority.replace(/:\d+$/, "");
}

export function loopbackHostHeader(host: string | undefined): boolean {
  return host !== undefined && isLoopback(hostnameOf(host.toLowerCase()));
}

export function loopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  const match = /^https?:\/\/([^/]+)$/.exec(origin.toLowerCase());
  return match !== null && isLoopback(hostnameOf(match[1]!));
}

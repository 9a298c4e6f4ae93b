/**
 * The web view of a recorded simulated migration (`toyvmm migrate … --view`): the same page
 * and endpoint as a host's (view-server.ts), with a replay session (replay-session.ts) for
 * each page that connects, so every page plays the migration from its start.
 */
import type { Logger } from "../../log.js";
import type { TcpAddress } from "../address.js";
import type { Recording } from "./recording.js";
import { ReplaySession } from "./replay-session.js";
import { ViewServer } from "./view-server.js";

/** The pace that plays the whole migration in about this long, when none is chosen. */
export const AUTO_PLAY_NS = 10e9;

export function autoPace(recording: Recording): number {
  return Math.max(1, AUTO_PLAY_NS / Math.max(1, recording.endNs));
}

export async function serveRecording(recording: Recording, options: { address: TcpAddress; root: string; pace: number; version: string; log: Logger }): Promise<ViewServer> {
  let server: ViewServer | null = null;
  server = await ViewServer.listen({
    address: options.address,
    root: options.root,
    log: options.log,
    session: () => new ReplaySession(recording, options.pace, options.version, () => server?.pumpAll()),
  });
  return server;
}

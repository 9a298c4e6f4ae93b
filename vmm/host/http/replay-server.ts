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

export const paceOf =
  (pace: number | "auto") =>
  (recording: Recording): number =>
    pace === "auto" ? autoPace(recording) : pace;

export interface ReplayOptions {
  address: TcpAddress;
  root: string;
  /** Wall-clock time per virtual time, or "auto" (autoPace) for each recording. */
  pace: number | "auto";
  version: string;
  log: Logger;
  /** A results directory to offer, and how to record one of its points. */
  results?: { dir: string; record: (point: number) => Recording };
}

export async function serveRecording(recording: Recording, options: ReplayOptions): Promise<ViewServer> {
  let server: ViewServer | null = null;
  const { results } = options;
  server = await ViewServer.listen({
    address: options.address,
    root: options.root,
    log: options.log,
    ...(results ? { results: results.dir } : {}),
    session: () =>
      new ReplaySession(recording, paceOf(options.pace), options.version, () => server?.pumpAll(), results?.record),
  });
  return server;
}

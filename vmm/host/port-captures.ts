/**
 * `toyvmm host --capture DIR`: a pcap file per port of the host's switch, DIR/NAME.pcap, with
 * the frames the port takes in and those the switch sends out by it, stamped with the wall
 * clock (a real host's network runs in real time, as tcpdump's captures do). A VM that leaves and
 * comes back (migrated away and back) goes on in the file it had: a file is opened the first time
 * its port's name is plugged in and closed when the host stops. Bounded: each file by
 * PcapWriter's limit, the files by MAX_CAPTURE_FILES (a trunk dialled again and again has a new
 * name each time); a file that cannot be written stops its capture with one log line and the
 * network runs on.
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log.js";
import { fileError } from "../../isa/user-files.js";
import { PcapWriter } from "../net/pcap.js";

/** Files one host writes at most; ports plugged in after them are not captured. */
export const MAX_CAPTURE_FILES = 256;

/** Where a port's frames go: called with each frame it takes in or the switch sends out by it. */
export type PortTap = (frame: Uint8Array) => void;

/** A port's name as a file name: what is not a letter, digit, "_", "." or "-" becomes "_". */
export const captureFileName = (port: string): string => `${port.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^\./, "_")}.pcap`;

export class PortCaptures {
  /** The files open, by file name. */
  private readonly open = new Map<string, { fd: number; tap: PortTap }>();

  /** Makes DIR (a problem with it is one line naming it, before the host starts). */
  constructor(
    readonly dir: string,
    private readonly log: Logger,
    private readonly nowNs: () => number = () => Math.round((performance.timeOrigin + performance.now()) * 1e6),
  ) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw fileError(dir, error);
    }
  }

  /** The tap of the port called `name`, its file opened the first time; null when it cannot be. */
  tap(name: string): PortTap | null {
    // By file: two ports whose names make the same file name share it rather than truncate it.
    const file = captureFileName(name);
    const known = this.open.get(file);
    if (known) return known.tap;
    if (this.open.size >= MAX_CAPTURE_FILES) {
      this.log.warn({ port: name }, `--capture: ${MAX_CAPTURE_FILES} files already; this port is not captured`);
      return null;
    }
    const path = join(this.dir, file);
    let fd: number;
    try {
      fd = openSync(path, "w");
    } catch (error) {
      this.log.error({ port: name, capture: path }, fileError(path, error).message);
      return null;
    }
    let failed = false;
    const writer = new PcapWriter((chunk) => {
      if (failed) return;
      try {
        writeSync(fd, chunk);
      } catch (error) {
        failed = true;
        this.log.error({ port: name, capture: path }, `${fileError(path, error).message}; the capture stops`);
      }
    });
    const tap: PortTap = (frame) => writer.record(frame, this.nowNs());
    this.open.set(file, { fd, tap });
    this.log.info({ port: name, capture: path }, "capturing the port's frames");
    return tap;
  }

  close(): void {
    for (const { fd } of this.open.values()) closeSync(fd);
    this.open.clear();
  }
}

/**
 * The migration stream: a prologue, then frames. Every frame is
 *
 *   +--------+--------+------------+------------+---------------------+
 *   | type   | flags  | length u32 | crc32 u32  | payload (length B)  |
 *   | u8     | u8 (0) |            |            |                     |
 *   +--------+--------+------------+------------+---------------------+
 *
 * and the CRC-32 covers type, flags, length and payload, so damage anywhere is caught. The
 * payload of each type is one field table below, which drives both the parser and the encoder.
 *
 * Forward direction (source → destination): setup, page, zero, round, postcopy, state,
 * complete, commit, abort, xbzrle, compressed, sync. Return path (destination → source):
 * request, resume, started, done, refused. A TCP connection opens with hello (source) and
 * welcome or refused (destination).
 *
 * Version 2 added `started` (post-copy's switch-over is acknowledged) and dropped `haveState`
 * from `resume` (a resume now always follows a switch-over, so the state is there). Version 3
 * added what a transport that cannot tell delivery needs (commit, done, abort, refused), the
 * switch of a running pre-copy to post-copy (postcopy), and the connection's hello and welcome.
 * Version 4 added pages that travel as less than their bytes: `xbzrle` (a delta against the
 * copy sent before) and `compressed` (an LZ4 block), and `sync`, which a migration with multifd
 * channels carries (a peer without them never sees one, and refuses a channel's hello).
 */
import { PAGE_SIZE } from "../../../isa/arch.js";
import { recordFormat, type Field, type RecordFormat, type RecordOf } from "../../../isa/binary/record.js";

/** "TOYMIG" + version u16: the stream's first 8 bytes. */
export const STREAM_MAGIC = new Uint8Array([0x54, 0x4f, 0x59, 0x4d, 0x49, 0x47]);
export const STREAM_VERSION = 5;
export const PROLOGUE_SIZE = STREAM_MAGIC.length + 2;
export const FRAME_HEADER_SIZE = 10;
/** Largest payload a decoder accepts (a state frame of a big VM stays far below). */
export const MAX_PAYLOAD = 16 << 20;

export const FRAME_FIELDS = {
  /** The VM's identity and shape, sent first so the destination can prepare memory. */
  setup: [
    { key: "name", type: "text", length: "u32" },
    { key: "memorySize", type: "u32" },
    { key: "pageSize", type: "u32" },
    { key: "strategy", type: "u8" },
    /** JSON: whatever the destination host needs to recreate the VM around state and memory. */
    { key: "config", type: "text", length: "u32" },
  ],
  /** One full page. */
  page: [
    { key: "index", type: "u32" },
    { key: "round", type: "u32" },
    { key: "data", type: "bytes", length: PAGE_SIZE },
  ],
  /** `count` consecutive all-zero pages from `first`: a marker instead of their bytes. */
  zero: [
    { key: "first", type: "u32" },
    { key: "count", type: "u32" },
    { key: "round", type: "u32" },
  ],
  /** End of a pre-copy round: how many pages it carried. */
  round: [
    { key: "round", type: "u32" },
    { key: "pages", type: "u32" },
  ],
  /** vCPU and device state (the VM's `save()`), as JSON. */
  state: [{ key: "json", type: "text", length: "u32" }],
  /** Nothing more follows; `memoryCrc` is the CRC-32 of all memory at the stop (0: not checked). */
  complete: [
    { key: "pages", type: "u32" },
    { key: "checkMemory", type: "u8" },
    { key: "memoryCrc", type: "u32" },
  ],
  /** Return path: the destination touched a page it does not have. */
  request: [{ key: "index", type: "u32" }],
  /** Return path, after a broken link came back: a bitmap of the pages still missing. */
  resume: [{ key: "missing", type: "bytes", length: "u32" }],
  /**
   * Return path, post-copy: the destination holds the state and runs the guest, so the source
   * may let it go. `stateCrc` is the CRC-32 of the state's JSON (UTF-8) it restored.
   */
  started: [{ key: "stateCrc", type: "u32" }],
  /**
   * Forward: a running pre-copy turns into post-copy. `missing` (a byte per page) marks the
   * pages the destination holds stale or not at all: from now on it fetches them.
   */
  postcopy: [{ key: "missing", type: "bytes", length: "u32" }],
  /** Forward: the source let the guest go; the destination runs the state with this CRC. */
  commit: [{ key: "stateCrc", type: "u32" }],
  /** Forward: the source keeps the guest (cancelled, or it refused the acknowledgement): why. */
  abort: [{ key: "reason", type: "text", length: "u16" }],
  /** Return path: the guest runs on the destination with all its `pages`; the source may forget it. */
  done: [{ key: "pages", type: "u32" }],
  /** Return path: the destination will not take this migration (or this connection): why. */
  refused: [{ key: "reason", type: "text", length: "u16" }],
  /**
   * A connection's first frame, after the prologue: the destination's one-time `token`, which
   * lane this connection carries (0 the stream, 1 the urgent lane), the `session` the
   * destination gave the first lane (empty on it), and whether it reconnects a broken session.
   */
  hello: [
    { key: "token", type: "text", length: "u16" },
    { key: "lane", type: "u8" },
    { key: "session", type: "text", length: "u16" },
    { key: "recover", type: "u8" },
  ],
  /** The destination's answer to a hello it accepts: the session the lanes belong to. */
  welcome: [{ key: "session", type: "text", length: "u16" }],
  /**
   * A page sent before, as an XBZRLE delta (migration/xbzrle.ts) against the copy the
   * destination holds of it: what changed since, in fewer bytes than the page.
   */
  xbzrle: [
    { key: "index", type: "u32" },
    { key: "round", type: "u32" },
    { key: "delta", type: "bytes", length: "u16" },
  ],
  /** A page compressed (migration/compress.ts: an LZ4 block, the page's length in front). */
  compressed: [
    { key: "index", type: "u32" },
    { key: "round", type: "u32" },
    { key: "data", type: "bytes", length: "u16" },
  ],
  /**
   * Multifd (pages on extra connections, the real driver's): on a channel, every page before
   * this frame belongs before sync `point`; on the stream, nothing after this frame may be
   * applied before each of the `channels` channels has delivered its sync `point`.
   */
  sync: [
    { key: "point", type: "u32" },
    { key: "channels", type: "u8" },
  ],
  /**
   * Consecutive full pages from `first`: `data` holds them one after another (a whole number
   * of pages, at least one). The frame's CRC covers them all, as any frame's.
   */
  pages: [
    { key: "first", type: "u32" },
    { key: "round", type: "u32" },
    { key: "data", type: "bytes", length: "u32" },
  ],
} as const satisfies Record<string, readonly Field[]>;

export type FrameType = keyof typeof FRAME_FIELDS;
export const FRAME_TYPES = Object.keys(FRAME_FIELDS) as FrameType[];
/** Type codes on the wire: position in FRAME_TYPES, from 1. */
export const FRAME_CODE: Record<FrameType, number> = Object.fromEntries(FRAME_TYPES.map((t, i) => [t, i + 1])) as Record<
  FrameType,
  number
>;

/** Each payload's record format: its parser, writer and size check. */
export const PAYLOADS = Object.fromEntries(FRAME_TYPES.map((t) => [t, recordFormat(FRAME_FIELDS[t])])) as {
  [T in FrameType]: RecordFormat<(typeof FRAME_FIELDS)[T]>;
};

export type FrameOf<T extends FrameType> = { type: T } & RecordOf<(typeof FRAME_FIELDS)[T]>;
export type Frame = { [T in FrameType]: FrameOf<T> }[FrameType];

export const STRATEGIES = ["stop-copy", "pre-copy", "post-copy"] as const;
export type Strategy = (typeof STRATEGIES)[number];

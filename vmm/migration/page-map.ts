/**
 * A migration's page map as the source sees it, one letter per page, for people to watch:
 *
 *   m  missing at the destination (not sent yet, or stale there after a switch to post-copy)
 *   s  sent, and not written since
 *   d  dirty: sent, then written again by the guest (pre-copy sends it again)
 *   r  requested: the destination touched it and asked for it (post-copy), not yet answered
 *   z  sent as part of a zero-page marker
 *
 * Built from the stream itself — the frames the source puts on the wire and the destination's
 * return frames — so neither driver nor strategy has to know it exists, and both worlds (the
 * virtual driver's `onTransmit`, the real driver's "frame" events) feed it the same way. Only
 * frame headers and a few payload fields are read, never the pages. Dirty marks come from the
 * VM's dirty bitmap, read (never cleared) whenever the map is taken or `sampleDirty` is called:
 * a page dirtied and harvested between two samples shows as sent until it goes out again.
 *
 * Bounded by construction: one byte per page (16,384 for the largest guest) and one counter
 * pair per round (rounds are bounded by --max-rounds).
 */
import { PAGE_SHIFT } from "../../isa/arch.js";
import { FRAME_CODE, FRAME_HEADER_SIZE } from "./stream/frames.js";

export const PAGE_LETTERS = { missing: "m", sent: "s", dirty: "d", requested: "r", zero: "z" } as const;
export type PageState = keyof typeof PAGE_LETTERS;

const MISSING = 0;
const SENT = 1;
const DIRTY = 2;
const REQUESTED = 3;
const ZERO = 4;
const LETTER_CODES = [
  PAGE_LETTERS.missing,
  PAGE_LETTERS.sent,
  PAGE_LETTERS.dirty,
  PAGE_LETTERS.requested,
  PAGE_LETTERS.zero,
].map((l) => l.charCodeAt(0));

/** Bytes and pages the source put on the wire in one round (post-copy's pass counts as one). */
export interface RoundBytes {
  round: number;
  pages: number;
  bytes: number;
}

export interface PageMapSnapshot {
  /** One letter per page (see PAGE_LETTERS). */
  map: string;
  counts: Record<PageState, number>;
  rounds: RoundBytes[];
  /** Bytes the source sent: every frame, headers included, and the stream's prologue. */
  streamBytes: number;
  /** Page requests the destination made (post-copy faults that reached the source). */
  requests: number;
}

const u32 = (bytes: Uint8Array, at: number): number =>
  (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;

export class PageMap {
  private readonly states: Uint8Array;
  private readonly rounds: RoundBytes[] = [];
  private streamBytes = 0;
  private requests = 0;
  /** The guest stopped at the source (its state went out): it dirties nothing any more. */
  private stopped = false;

  constructor(
    readonly pageCount: number,
    /** The source VM's dirty bitmap, while the source still runs the guest. */
    private readonly dirty: () => Uint8Array | null,
  ) {
    this.states = new Uint8Array(pageCount);
  }

  /** A frame the source put on the wire, of `length` bytes (`frame` may be its head alone: its pages went from guest memory). */
  forward(frame: Uint8Array, length = frame.length): void {
    this.streamBytes += length;
    if (frame.length < FRAME_HEADER_SIZE) return;
    const at = FRAME_HEADER_SIZE;
    switch (frame[0]) {
      case FRAME_CODE.page:
      case FRAME_CODE.xbzrle:
      case FRAME_CODE.compressed:
        return this.sent(u32(frame, at), 1, u32(frame, at + 4), SENT, length);
      case FRAME_CODE.pages:
        return this.sent(u32(frame, at), u32(frame, at + 8) >>> PAGE_SHIFT, u32(frame, at + 4), SENT, length);
      case FRAME_CODE.zero:
        return this.sent(u32(frame, at), u32(frame, at + 4), u32(frame, at + 8), ZERO, length);
      case FRAME_CODE.round:
        this.roundOf(u32(frame, at));
        return;
      case FRAME_CODE.postcopy:
        return this.markMissing(frame.subarray(at + 4));
      case FRAME_CODE.state:
        this.sampleDirty();
        this.stopped = true;
        return;
    }
  }

  /** A frame the destination sent back. */
  returned(frame: Uint8Array): void {
    if (frame.length < FRAME_HEADER_SIZE) return;
    const at = FRAME_HEADER_SIZE;
    if (frame[0] === FRAME_CODE.request) {
      const page = u32(frame, at);
      this.requests++;
      if (page < this.pageCount && this.states[page] === MISSING) this.states[page] = REQUESTED;
    } else if (frame[0] === FRAME_CODE.resume) {
      this.markMissing(frame.subarray(at + 4));
    }
  }

  /** Marks the sent pages the guest has written since (cheap: one pass over a byte a page). */
  sampleDirty(): void {
    const dirty = this.stopped ? null : this.dirty();
    if (!dirty) return;
    const states = this.states;
    for (let p = 0; p < states.length; p++) {
      if (dirty[p] && (states[p] === SENT || states[p] === ZERO)) states[p] = DIRTY;
    }
  }

  snapshot(): PageMapSnapshot {
    this.sampleDirty();
    const counts = { missing: 0, sent: 0, dirty: 0, requested: 0, zero: 0 };
    const tally = [0, 0, 0, 0, 0];
    const letters = new Uint8Array(this.pageCount);
    for (let p = 0; p < this.pageCount; p++) {
      const state = this.states[p]!;
      tally[state]!++;
      letters[p] = LETTER_CODES[state]!;
    }
    [counts.missing, counts.sent, counts.dirty, counts.requested, counts.zero] = tally as [
      number,
      number,
      number,
      number,
      number,
    ];
    return {
      map: new TextDecoder().decode(letters),
      counts,
      rounds: this.rounds.map((round) => ({ ...round })),
      streamBytes: this.streamBytes,
      requests: this.requests,
    };
  }

  private sent(first: number, count: number, round: number, state: number, bytes: number): void {
    const end = Math.min(this.pageCount, first + count);
    for (let p = first; p < end; p++) this.states[p] = state;
    const entry = this.roundOf(round);
    entry.pages += Math.max(0, end - first);
    entry.bytes += bytes;
  }

  /** The round's entry; a new round (a page of it, or its end frame) opens one. */
  private roundOf(round: number): RoundBytes {
    let entry = this.rounds[this.rounds.length - 1];
    if (!entry || entry.round !== round) {
      entry = { round, pages: 0, bytes: 0 };
      this.rounds.push(entry);
    }
    return entry;
  }

  /** A byte per page, 1 where the destination lacks the page (after a switch or a broken link). */
  private markMissing(missing: Uint8Array): void {
    const n = Math.min(this.pageCount, missing.length);
    for (let p = 0; p < n; p++) if (missing[p]) this.states[p] = MISSING;
  }
}

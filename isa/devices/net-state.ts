/** What a restored NIC may be given (`NicState`): rings, pending events and waiting frames within the device's bounds. */
import { NET_CAUSE_ERROR, NET_CAUSE_RX, NET_FRAME_MAX, NET_FRAME_MIN, NET_RING_MAX } from "../arch.js";
import { fixed, list, record, version, wholeNumber, z } from "../schema.js";
import { NET_INBOX_MAX, type NetRing, type NicCounters, type NicState } from "./net.js";

const WORD_MAX = 0xffffffff;

const ringSchema = record({
  base: wholeNumber(0, WORD_MAX),
  size: z.union([z.literal(0), ...Array.from({ length: 9 }, (_, i) => z.literal(1 << i))], {
    error: `expected 0 or a power of two up to ${NET_RING_MAX}`,
  }),
  head: wholeNumber(0, WORD_MAX),
  tail: wholeNumber(0, WORD_MAX),
}) satisfies z.ZodType<NetRing>;

/** Base64 of NET_FRAME_MIN to NET_FRAME_MAX bytes. */
const frameText = z
  .string({ error: "expected a frame in base64" })
  .max(Math.ceil(NET_FRAME_MAX / 3) * 4, { error: `expected a frame of at most ${NET_FRAME_MAX} bytes` })
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: "expected a frame in base64" })
  .refine((s) => {
    const bytes = Buffer.from(s, "base64").length;
    return bytes >= NET_FRAME_MIN && bytes <= NET_FRAME_MAX;
  }, { error: `expected a frame of ${NET_FRAME_MIN} to ${NET_FRAME_MAX} bytes` });

const countersSchema = record({
  txFrames: wholeNumber(),
  txBytes: wholeNumber(),
  txNoLink: wholeNumber(),
  rxFrames: wholeNumber(),
  rxBytes: wholeNumber(),
  rxDropped: wholeNumber(),
  errors: wholeNumber(),
}) satisfies z.ZodType<NicCounters>;

export const nicStateSchema = record({
  version: version(1),
  mac: fixed(wholeNumber(0, 255), 6, "bytes"),
  tx: ringSchema,
  rx: ringSchema,
  cause: wholeNumber(0, NET_CAUSE_RX | NET_CAUSE_ERROR),
  inbox: list(record({ at: wholeNumber(), frame: frameText }), NET_INBOX_MAX, "frames"),
  txKick: wholeNumber(),
  txBusyUntil: wholeNumber(),
  counters: countersSchema,
}) satisfies z.ZodType<NicState>;

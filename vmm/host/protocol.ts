/**
 * The control protocol's framing, in QMP's shape: newline-delimited JSON, one message a line.
 *
 *   host → client, on connect   {"toyvmm": {"version", "protocol", "host", "auth", "capabilities"}}
 *   client → host               {"execute": NAME, "arguments": {...}, "id": ANY}
 *   host → client, the answer   {"return": VALUE, "id": ANY}  or  {"error": {"class", "desc"}, "id": ANY}
 *   host → client, any time     {"event": NAME, "data": {...}, "timestamp": {"seconds", "microseconds"}}
 *
 * Answers come in the order of the requests. The commands and events themselves are declared in
 * protocol-commands.ts and protocol-events.ts.
 */
import { LINE_MAX, record, text, wholeNumber, z } from "../../isa/schema.js";

export const PROTOCOL_VERSION = 1;

/** Longest line the host reads; a longer one is refused and the connection closed. */
export const REQUEST_LINE_MAX = 1 << 20;
/** Longest `id` a request may carry, as JSON text: it is echoed back in the answer. */
export const ID_MAX = 1024;

/** What a host offers, named in its greeting. */
export const CAPABILITIES = ["console-events", "snapshots", "migration"] as const;

export const greetingSchema = record({
  toyvmm: record({
    version: text(64).describe("toyvmm's version"),
    protocol: z.literal(PROTOCOL_VERSION).describe("This protocol's version"),
    host: text(64).describe("The host's name (--name)"),
    auth: z.enum(["none", "token"]).describe('"token": send `authenticate` before anything else (TCP connections)'),
    capabilities: z.array(z.enum(CAPABILITIES)).describe("What this host offers"),
  }),
});
export type Greeting = z.output<typeof greetingSchema>;

/** A request's id: any JSON value, short. */
export const requestId = z
  .json({ error: "expected a JSON value" })
  .refine((id) => JSON.stringify(id).length <= ID_MAX, { error: `expected an id of at most ${ID_MAX} characters of JSON` })
  .describe("Any JSON value; the answer carries it back");

export const requestSchema = record({
  execute: text(64).describe("The command's name"),
  arguments: z.record(z.string(), z.unknown(), { error: "expected an object of arguments" }).optional().describe("The command's arguments (see each command)"),
  id: requestId.optional(),
});
export type Request = z.output<typeof requestSchema>;

/**
 * Error classes, as QMP names them: what kind of problem, for programs to tell apart; `desc` is
 * the one line for people.
 */
export const ERROR_CLASSES = {
  GenericError: "the request was understood but failed (a file that cannot be read, a bad image …)",
  BadRequest: "the line is not a request: not JSON, not an object, a field of the wrong kind, too long",
  CommandNotFound: "no command of that name (see `query-commands`)",
  InvalidArguments: "the arguments do not fit the command",
  AuthenticationRequired: "this connection must `authenticate` first",
  VmNotFound: "no VM of that name on this host",
  InvalidState: "the VM is not in a state the command applies to (pausing an ended VM …)",
  InternalError: "a bug in toyvmm: the host goes on, the request failed",
} as const;
export type ErrorClass = keyof typeof ERROR_CLASSES;

export const errorReplySchema = record({
  error: record({ class: z.enum(Object.keys(ERROR_CLASSES) as [ErrorClass, ...ErrorClass[]]), desc: text(LINE_MAX) }),
  id: requestId.optional(),
});
export type ErrorReply = z.output<typeof errorReplySchema>;

export const returnReplySchema = record({ return: z.unknown(), id: requestId.optional() });

export const timestampSchema = record({ seconds: wholeNumber(), microseconds: wholeNumber(0, 999_999) });

export const eventEnvelopeSchema = record({ event: text(64), data: z.record(z.string(), z.unknown()), timestamp: timestampSchema });

/** A request that failed: its class and one line saying why. */
export class CommandError extends Error {
  constructor(
    readonly errorClass: ErrorClass,
    message: string,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

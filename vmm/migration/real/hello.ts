/**
 * How a migration's TCP connection opens. Each side's first bytes are the stream's prologue
 * (`TOYMIG` + version), so either can tell at once that the other is no toyvmm or speaks
 * another version. Then:
 *
 *   source → destination   hello   {token, lane, session, recover}
 *   destination → source   welcome {session}            or   refused {reason}, then close
 *
 * The first lane's hello carries the one-time token the destination prepared and an empty
 * session; the welcome names the session, and the urgent lane's hello, each multifd
 * channel's, and any hello that reconnects a broken session (recover 1), carry token and
 * session both. Anything else —
 * garbage, another version, an unknown or used token, a hello that does not come within the
 * handshake time — is refused in one line, which both sides report.
 */
import { checkPrologue, decodeFrame, encodeFrame, encodePrologue, streamError } from "../stream/codec.js";
import type { Frame, FrameOf } from "../stream/frames.js";
import { FIRST_CHANNEL_LANE, MAX_MULTIFD_CHANNELS } from "./multifd.js";

/** A hello's or welcome's payload stays far below this; more is refused before it is read. */
export const HANDSHAKE_MAX_PAYLOAD = 4096;
/** Longest token or session accepted. */
export const TOKEN_MAX = 256;
/** Reasons sent in a refusal are cut to this many characters. */
const REASON_MAX = 1000;

export interface Hello {
  token: string;
  /** 0 the stream, 1 the urgent lane, from 2 the multifd channels (multifd.ts). */
  lane: number;
  session: string;
  recover: boolean;
}

function opening(frame: Frame): Uint8Array {
  const prologue = encodePrologue();
  const body = encodeFrame(frame);
  const bytes = new Uint8Array(prologue.length + body.length);
  bytes.set(prologue);
  bytes.set(body, prologue.length);
  return bytes;
}

/** The source's hello, to follow the prologue its connection opened with. */
export function helloFrame(hello: Hello): Uint8Array {
  return encodeFrame({ type: "hello", token: hello.token, lane: hello.lane, session: hello.session, recover: hello.recover ? 1 : 0 });
}

/** A whole opening for a connection that is not the stream's first: prologue and hello. */
export function helloOpening(hello: Hello): Uint8Array {
  return opening({ type: "hello", token: hello.token, lane: hello.lane, session: hello.session, recover: hello.recover ? 1 : 0 });
}

export function welcomeOpening(session: string): Uint8Array {
  return opening({ type: "welcome", session });
}

export function refusedOpening(reason: string): Uint8Array {
  return opening({ type: "refused", reason: reason.slice(0, REASON_MAX) });
}

/** The peer's prologue: throws the one-line UserError for garbage or another version. */
export function checkPeerPrologue(bytes: Uint8Array, peer: string): void {
  try {
    checkPrologue(bytes);
  } catch (error) {
    throw streamError(`${peer}: ${(error as Error).message.replace(/^migration stream: /, "")}`);
  }
}

/** The hello in `bytes` (the frame after the prologue), checked for shape; throws a UserError line. */
export function readHello(bytes: Uint8Array): Hello {
  const frame = decodeFrame(bytes, 0, "opening frame");
  if (frame.type !== "hello") throw streamError(`the connection opened with a ${frame.type} frame, not a hello`);
  const lanes = FIRST_CHANNEL_LANE + MAX_MULTIFD_CHANNELS;
  if (frame.lane >= lanes) throw streamError(`the hello names lane ${frame.lane} (there are lanes 0 to ${lanes - 1}: the stream, the urgent lane, multifd channels)`);
  if (frame.token.length > TOKEN_MAX || frame.session.length > TOKEN_MAX) throw streamError("the hello's token or session is too long");
  return { token: frame.token, lane: frame.lane, session: frame.session, recover: frame.recover === 1 };
}

/** The destination's answer (the frame after its prologue): the welcome, or a UserError with its refusal. */
export function readAnswer(bytes: Uint8Array): FrameOf<"welcome"> {
  const frame = decodeFrame(bytes, 0, "answer frame");
  if (frame.type === "refused") throw streamError(`the destination refused: ${frame.reason}`);
  if (frame.type !== "welcome") throw streamError(`the destination answered with a ${frame.type} frame, not a welcome`);
  return frame;
}

/**
 * The source's side of opening a lane: connect, send the opening (prologue and hello), and
 * read the destination's prologue and answer, all within a time limit. Resolves with the
 * socket, the reader holding whatever followed the answer, the session the destination
 * named, and the round trip of the exchange; rejects with one line saying what went wrong.
 */
import { Socket, type SocketConstructorOpts } from "node:net";
import { UserError } from "../../../isa/errors.js";
import { MAX_PAYLOAD } from "../stream/frames.js";
import { describeError } from "./lane.js";
import { FrameReader } from "./frame-reader.js";
import { checkPeerPrologue, HANDSHAKE_MAX_PAYLOAD, readAnswer } from "./hello.js";
import { WallClock } from "./wall-clock.js";

export interface Address {
  host: string;
  port: number;
}

export interface Dialled {
  socket: Socket;
  reader: FrameReader;
  session: string;
  rttNs: number;
}

/** Node's own buffer before `write()` says "wait": a few hundred KiB keeps the kernel fed between event-loop turns. */
const WRITE_BUFFER = 256 << 10;

export function dial(address: Address, opening: Uint8Array, label: string, timeoutMs: number): Promise<Dialled> {
  const where = `${address.host}:${address.port}`;
  const clock = new WallClock();
  return new Promise((resolve, reject) => {
    // (A stream option Node's Socket takes and its typings leave out.)
    const socket = new Socket({ writableHighWaterMark: WRITE_BUFFER } as SocketConstructorOpts);
    const reader = new FrameReader(true, HANDSHAKE_MAX_PAYLOAD, label);
    let sentAt = 0;
    let peerChecked = false;
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      socket.removeAllListeners("data");
      socket.removeAllListeners("error");
      socket.removeAllListeners("close");
      socket.removeAllListeners("connect");
    };
    const fail = (problem: string) => {
      cleanup();
      socket.destroy();
      reject(new UserError(`${label} (${where}): ${problem}`));
    };
    socket.on("connect", () => {
      sentAt = clock.now();
      socket.write(opening);
    });
    socket.on("data", (chunk: Buffer) => {
      reader.push(chunk);
      try {
        if (!peerChecked) {
          const prologue = reader.next();
          if (!prologue) return;
          checkPeerPrologue(prologue, "the destination");
          peerChecked = true;
        }
        const answer = reader.next();
        if (!answer) return;
        const { session } = readAnswer(answer);
        cleanup();
        // Until its lane takes it over: hold what comes, and let an error wait for the lane to see the socket closed.
        socket.pause();
        socket.on("error", () => {});
        reader.maxPayload = MAX_PAYLOAD;
        resolve({ socket, reader, session, rttNs: clock.now() - sentAt });
      } catch (error) {
        fail((error as Error).message.replace(/^migration stream: /, ""));
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => fail(`connection ${describeError(error)}`));
    socket.on("close", () => fail("the destination closed the connection before answering"));
    socket.connect(address.port, address.host);
  });
}

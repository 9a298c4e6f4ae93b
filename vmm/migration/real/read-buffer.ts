/**
 * An accepted connection moved onto a socket that reads into one buffer of its own. Node reads
 * an accepted socket into a fresh 64 KiB buffer each time, which cost a destination a minor
 * garbage collection every few megabytes of a migration and a buffer cold in the cache per read;
 * `onread` with a buffer of the program's is in the public API only for sockets it connects. So
 * the accepted socket's handle (stopped, with nothing read and not yet delivered) goes to a
 * Socket built with `onread` — the `handle` option net.Server itself builds its sockets with —
 * and the empty shell is destroyed, which the server counts as that connection closed.
 *
 * Each read is emitted as "lent": a view of the buffer, valid only until the listener returns
 * (the next read overwrites it), so a reader must copy what it keeps (FrameReader.keep).
 *
 * A listener of a read may name a place of its own for the reads after it (`readInto`): the
 * kernel then copies the bytes straight there, each such read emitted as "placed" with its
 * length, until the listener of one of them goes back to the buffer (`readOwn`). The
 * destination reads a run of pages so into guest memory, which spares it copying every page.
 */
import { Socket, type SocketConstructorOpts } from "node:net";

/** Bytes one read may take: whole runs of pages in one read as often as the kernel has them. */
const READ_BUFFER = 1 << 20;

/** The event a lending socket emits for each read into its buffer, with a view of it. */
export const LENT = "lent";
/** The event a lending socket emits for each read into the place `readInto` named, with its length. */
export const PLACED = "placed";

interface Handle {
  reading: boolean;
  readStop(): number;
}

/** A socket that lends its reads (emits LENT) or reads into a place of its listener's (PLACED). */
export interface LendingSocket extends Socket {
  /**
   * The next read goes to `place` (and emits PLACED). Only from a listener of LENT or PLACED:
   * the buffer asked for is the next read's.
   */
  readInto(place: Uint8Array): void;
  /** The next read goes to the socket's own buffer again, at most `limit` bytes of it (default all). From a listener, as readInto. */
  readOwn(limit?: number): void;
}

/** Whether `socket` lends its reads and can read into a place (a socket `lendingReads` made). */
export function isLending(socket: Socket): socket is LendingSocket {
  return typeof (socket as Partial<LendingSocket>).readInto === "function";
}

/**
 * The connection of `socket` on a socket that lends its reads (emits LENT), or `socket` itself
 * when it cannot be moved (closed, or bytes read already that it has not delivered).
 */
export function lendingReads(socket: Socket): Socket {
  const shell = socket as unknown as { _handle: Handle | null };
  const handle = shell._handle;
  if (!handle || socket.destroyed || socket.readableLength > 0) return socket;
  // Stopped, and marked so, for the new socket to start it again as its own.
  handle.readStop();
  handle.reading = false;
  shell._handle = null;
  socket.destroy();
  const buffer = new Uint8Array(READ_BUFFER);
  let next: Uint8Array = buffer;
  const lending = new Socket({
    handle,
    onread: {
      // Asked for the buffer of each read, right after the listeners of the one before.
      buffer: () => next,
      callback: (length: number, into: Uint8Array) => {
        if (into.buffer === buffer.buffer) lending.emit(LENT, new Uint8Array(buffer.buffer, 0, length));
        else lending.emit(PLACED, length);
        return true;
      },
    },
  } as SocketConstructorOpts) as LendingSocket;
  lending.readInto = (place) => {
    next = place;
  };
  lending.readOwn = (limit = READ_BUFFER) => {
    next = limit >= READ_BUFFER ? buffer : buffer.subarray(0, limit);
  };
  return lending;
}

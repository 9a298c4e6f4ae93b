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
 */
import { Socket, type SocketConstructorOpts } from "node:net";

/** Bytes one read may take: whole runs of pages in one read as often as the kernel has them. */
const READ_BUFFER = 1 << 20;

/** The event a lending socket emits for each read, with a view of its buffer. */
export const LENT = "lent";

interface Handle {
  reading: boolean;
  readStop(): number;
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
  const lending: Socket = new Socket({
    handle,
    onread: {
      buffer,
      callback: (length: number) => {
        lending.emit(LENT, new Uint8Array(buffer.buffer, 0, length));
        return true;
      },
    },
  } as SocketConstructorOpts);
  return lending;
}

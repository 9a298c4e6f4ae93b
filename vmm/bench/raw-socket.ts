/**
 * The ceiling for the migration stream on loopback: a plain TCP socket pushing the same number
 * of bytes in 64 KiB writes, backpressure honoured, to a server in this process that only
 * counts them. Timed from the connection's opening to the last byte received.
 */
import { createServer, connect, type AddressInfo } from "node:net";

const CHUNK = 64 << 10;

/** Bytes per second of one push of `total` bytes. */
export async function rawSocketThroughput(total: number): Promise<number> {
  const payload = Buffer.alloc(CHUNK, 0x5a);
  let received = 0;
  let finished!: () => void;
  const allIn = new Promise<void>((resolve) => (finished = resolve));
  const server = createServer((socket) =>
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received >= total) finished();
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const socket = connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  const start = process.hrtime.bigint();
  let sent = 0;
  const push = () => {
    while (sent < total) {
      const n = Math.min(CHUNK, total - sent);
      sent += n;
      if (!socket.write(n === CHUNK ? payload : payload.subarray(0, n))) return void socket.once("drain", push);
    }
  };
  push();
  await allIn;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return total / seconds;
}

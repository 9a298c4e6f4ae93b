/**
 * The ceiling for the migration stream on loopback: a plain TCP socket pushing the same number
 * of bytes, backpressure honoured, to a sink that only counts them — in this process, or in a
 * process of its own (raw-sink.ts) as a destination host is. Timed from the connection's
 * opening to the sink's answer that every byte came. The bytes are those of a memory of the
 * guest's size, one after another, in writes of the size the stream's lane makes (a slab of
 * page frames), as someone pushing a guest's memory down a socket would: the same 64 KiB
 * pushed again and again, as before, came from the cache and measured 10–15% faster than the
 * same writes from memory.
 */
import { fork } from "node:child_process";
import { createServer, connect, type AddressInfo, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { LENT, lendingReads } from "../migration/real/read-buffer.js";
import { PAGE_SLAB_BYTES } from "../migration/stream/codec.js";
import { GUEST_MEMORY } from "./migration-guest.js";

const CHUNK = PAGE_SLAB_BYTES;
const WAIT_MS = 15_000;

let memory: Uint8Array | null = null;

/** A guest-sized memory of bytes that are not all zero, every page of it touched. */
function memoryBytes(): Uint8Array {
  if (memory) return memory;
  memory = new Uint8Array(GUEST_MEMORY);
  for (let i = 0; i < memory.length; i += 8) memory[i] = (i >>> 3) | 1;
  return memory;
}

/**
 * A server that counts each connection's bytes and, when the sender has ended, answers with the
 * count. It reads as a destination host reads its migration's connections (into one buffer of
 * its own, real/read-buffer.ts), not into Node's fresh buffer per read, which the sink, like a
 * destination, paid for in garbage collection: the ceiling is a socket read as well as Node can.
 */
export function sinkServer(): Server {
  return createServer((accepted) => {
    const socket = lendingReads(accepted);
    let received = 0;
    const count = (chunk: Uint8Array) => (received += chunk.length);
    socket.on(LENT, count);
    socket.on("data", count);
    socket.on("end", () => socket.end(`${received}\n`));
    socket.on("error", () => socket.destroy());
  });
}

/** Runs `body` with the port of a sink in this process (`separate` false) or in a child process, and the sink's process id. */
export async function withRawSink<T>(separate: boolean, body: (port: number, pid: number) => Promise<T>): Promise<T> {
  if (!separate) {
    const server = sinkServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      return await body((server.address() as AddressInfo).port, process.pid);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
  const child = fork(fileURLToPath(new URL("./raw-sink.js", import.meta.url)), [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the raw socket's sink did not listen within ${WAIT_MS} ms`)), WAIT_MS);
      child.once("message", (message) => {
        clearTimeout(timer);
        resolve(Number(message));
      });
      child.once("exit", (code) => reject(new Error(`the raw socket's sink exited with ${code}`)));
    });
    return await body(port, child.pid!);
  } finally {
    child.kill("SIGKILL");
  }
}

/** Bytes per second of one push of `total` bytes to the sink at `port`. */
export async function rawSocketThroughput(total: number, port: number): Promise<number> {
  const bytes = memoryBytes();
  const socket = connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  const start = process.hrtime.bigint();
  let answer = "";
  const answered = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the raw socket's push took more than ${WAIT_MS} ms`)), WAIT_MS);
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  let sent = 0;
  const push = () => {
    while (sent < total) {
      const n = Math.min(CHUNK, total - sent);
      // Around the memory again when the stream is longer (its state and frame headers).
      const at = sent % (bytes.length - CHUNK);
      sent += n;
      if (!socket.write(bytes.subarray(at, at + n))) return void socket.once("drain", push);
    }
    socket.end();
  };
  push();
  await answered;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (Number(answer) !== total) throw new Error(`the raw socket's sink counted ${answer.trim() || "nothing"}, not ${total} bytes`);
  return total / seconds;
}

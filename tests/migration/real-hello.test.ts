/**
 * What the migration listener turns away, and how: a wrong or spent token, a peer of another
 * stream version (either way round), random bytes, a frame length past the handshake's limit,
 * and a connection that says nothing. Each ends in one line on both sides — the listener's
 * "refused" event and the refusal the peer reads — never a crash or a hang, and the listener
 * still takes a good migration afterwards.
 */
import { connect, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ANY_HOST } from "../../vmm/migration/index.js";
import { WallClockGuest } from "../../vmm/migration/real/guest-runner.js";
import { MigrationListener } from "../../vmm/migration/real/listener.js";
import { startMigration } from "../../vmm/migration/real/outgoing.js";
import { decodeFrame, encodeFrame, encodePrologue } from "../../vmm/migration/stream/codec.js";
import { STREAM_VERSION } from "../../vmm/migration/stream/frames.js";
import { FrameReader } from "../../vmm/migration/real/frame-reader.js";
import { prng } from "../helpers/prng.js";
import { boot, reference } from "./helpers.js";
import { finish, results, SPEED, startRealMigration, within, WRITER, type RealRun } from "./real-helpers.js";

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The source's guest was not stopped: it runs (or, being short, ran) to the end an unmigrated run reaches. */
async function expectGoesOn(guest: WallClockGuest): Promise<void> {
  expect(await within(guest.done, 5_000, "the source's guest ending")).toMatchObject({ reason: "halted" });
  expect(guest.vm.output).toBe(reference(WRITER).output);
}

async function listener(handshakeTimeoutMs?: number): Promise<{ listener: MigrationListener; refusals: string[] }> {
  const l = await MigrationListener.listen({ vmHost: ANY_HOST, ...(handshakeTimeoutMs ? { handshakeTimeoutMs } : {}) });
  closers.push(() => l.close());
  const refusals: string[] = [];
  l.on("refused", (reason: string) => refusals.push(reason));
  return { listener: l, refusals };
}

/**
 * Sends `bytes` to the port and reads the answer: the other side's prologue and first frame
 * (a refusal's reason). `keep` leaves the connection open until the test ends.
 */
function exchange(port: number, bytes: Uint8Array, keep = false): Promise<string> {
  return within(
    new Promise<string>((resolve) => {
      const socket: Socket = connect(port, "127.0.0.1", () => socket.write(bytes));
      const reader = new FrameReader(true, 1 << 20, "answer");
      let prologue: Uint8Array | null = null;
      socket.on("data", (chunk: Buffer) => {
        reader.push(chunk);
        prologue ??= reader.next();
        if (!prologue) return;
        const answer = reader.next();
        if (!answer) return;
        if (keep) closers.push(() => socket.destroy());
        else socket.destroy();
        const frame = decodeFrame(answer, 0);
        resolve(frame.type === "refused" ? frame.reason : `not refused: ${frame.type}`);
      });
      socket.on("error", () => {});
    }),
    5_000,
    "the answer",
  );
}

function prologueOf(version: number): Uint8Array {
  const bytes = encodePrologue();
  bytes[6] = version & 0xff;
  bytes[7] = version >> 8;
  return bytes;
}

const hello = (token: string) => encodeFrame({ type: "hello", token, lane: 0, session: "", recover: 0 });
const join = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe("the migration listener refuses", () => {
  it("a token it never gave, on both sides, and the source's guest goes on", async () => {
    const { listener: l, refusals } = await listener();
    const guest = new WallClockGuest(boot(WRITER), { speed: SPEED });
    closers.push(() => guest.release());
    const out = startMigration(guest, { host: "127.0.0.1", port: l.address.port, token: "not-a-token", strategy: "pre-copy" });
    const result = await within(out.result, 5_000, "the source ending");
    expect(result.status).toBe("failed");
    expect(result.error).toBe(
      "the stream (127.0.0.1:" + l.address.port + "): the destination refused: no migration is expected with that token during setup; the guest goes on at the source",
    );
    expect(refusals).toEqual(["no migration is expected with that token"]);
    await expectGoesOn(guest);
  });

  it("a token used already", async () => {
    const { listener: l, refusals } = await listener();
    const slot = l.expect({ guest: (vm) => new WallClockGuest(vm, { speed: SPEED, running: false }) });
    expect(await exchange(l.address.port, join(encodePrologue(), hello(slot.token)), true)).toBe("not refused: welcome");
    expect(await exchange(l.address.port, join(encodePrologue(), hello(slot.token)))).toBe("that token was used already; each migration needs its own");
    expect(refusals).toEqual(["that token was used already; each migration needs its own"]);
  });

  it("a source of another stream version", async () => {
    const { listener: l, refusals } = await listener();
    const slot = l.expect({ guest: (vm) => new WallClockGuest(vm, { speed: SPEED, running: false }) });
    const reason = `the source: format version ${STREAM_VERSION - 1} is not supported (this toyvmm reads ${STREAM_VERSION})`;
    expect(await exchange(l.address.port, join(prologueOf(STREAM_VERSION - 1), hello(slot.token)))).toBe(reason);
    expect(refusals).toEqual([reason]);
    expect(slot.status).toBe("waiting");
  });

  it("random bytes, and a frame length past the handshake's limit", async () => {
    const { listener: l, refusals } = await listener();
    const random = prng(9);
    const noise = Uint8Array.from({ length: 300 }, () => random() & 0xff);
    expect(await exchange(l.address.port, noise)).toBe("the source: not a toyvmm migration stream (bad magic)");
    const header = new Uint8Array([15, 0, 0, 0xca, 0x9a, 0x3b, 0, 0, 0, 0]); // a hello "of" 1,000,000,000 bytes
    expect(await exchange(l.address.port, join(encodePrologue(), header))).toBe("the opening: a frame of 1000000000 bytes, more than the 4096 allowed here");
    expect(refusals).toHaveLength(2);
  });

  it("a connection that says nothing, after the handshake time", async () => {
    const { listener: l, refusals } = await listener(200);
    expect(await exchange(l.address.port, new Uint8Array(0))).toBe("no hello within 200 ms");
    expect(refusals).toEqual(["no hello within 200 ms"]);
  });

  it("and still takes a good migration afterwards", async () => {
    const { listener: l } = await listener();
    await exchange(l.address.port, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const run: RealRun = await startRealMigration(WRITER, 10_000, { strategy: "stop-copy" });
    closers.push(() => run.listener.close(), () => run.dest()?.release());
    const [out] = await results(run);
    expect(out.status).toBe("completed");
    expect(await finish(run, out)).toEqual(reference(WRITER));
  });
});

describe("the source refuses", () => {
  it("a destination of another stream version, and its guest goes on", async () => {
    // A destination that answers every hello with a prologue of the version before.
    const server = createServer((socket) => socket.end(join(prologueOf(STREAM_VERSION - 1), encodeFrame({ type: "welcome", session: "x" }))).resume());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as { port: number }).port;
    const guest = new WallClockGuest(boot(WRITER), { speed: SPEED });
    closers.push(() => guest.release());
    const out = startMigration(guest, { host: "127.0.0.1", port, token: "t", strategy: "post-copy" });
    const result = await within(out.result, 5_000, "the source ending");
    expect(result.status).toBe("failed");
    expect(result.error).toBe(
      `the stream (127.0.0.1:${port}): the destination: format version ${STREAM_VERSION - 1} is not supported (this toyvmm reads ${STREAM_VERSION}) during setup; the guest goes on at the source`,
    );
    await expectGoesOn(guest);
  });

  it("a port where nothing listens", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const guest = new WallClockGuest(boot(WRITER), { speed: SPEED });
    closers.push(() => guest.release());
    const result = await within(startMigration(guest, { host: "127.0.0.1", port, token: "t", strategy: "stop-copy" }).result, 5_000, "the source ending");
    expect(result.error).toBe(`the stream (127.0.0.1:${port}): connection refused (nothing listens there) (ECONNREFUSED) during setup; the guest goes on at the source`);
    await expectGoesOn(guest);
  });
});

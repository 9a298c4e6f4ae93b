/**
 * The client side of the control protocol, for `toyvmm vm …` and for scripts: connect (greeting,
 * token), call commands and get their answers checked against the protocol's schemas, hear
 * events. Whatever the host sends is checked before it is believed; a host that is not there,
 * not a toyvmm host, or gone mid-request is one UserError line.
 */
import { connect, type Socket } from "node:net";
import { UserError } from "../../isa/errors.js";
import { problemOf, type z } from "../../isa/schema.js";
import { describeAddress, type ControlAddress } from "./address.js";
import { LineReader } from "./line-reader.js";
import { errorReplySchema, eventEnvelopeSchema, greetingSchema, returnReplySchema, type ErrorClass, type Greeting } from "./protocol.js";
import { COMMANDS, type AnswerOf, type CommandName } from "./protocol-commands.js";
import { EVENTS, type EventName } from "./protocol-events.js";

/** Longest line the client reads from a host. */
const ANSWER_LINE_MAX = 4 << 20;
const GREETING_TIMEOUT_MS = 5000;

/** An error answer from the host: its class, and its description as the message. */
export class HostRequestError extends UserError {
  constructor(
    readonly errorClass: ErrorClass,
    desc: string,
  ) {
    super(desc);
  }
}

export type ClientEvent = {
  [N in EventName]: { event: N; data: z.output<(typeof EVENTS)[N]["data"]>; timestamp: { seconds: number; microseconds: number } };
}[EventName];

export interface ClientOptions {
  /** The host's token, for a TCP endpoint. */
  token?: string;
  /** Said after "no host at ADDRESS" when nothing answers, e.g. how to start one. */
  hint?: string;
}

interface Pending {
  name: CommandName;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class ControlClient {
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: ClientEvent) => void>();
  private nextId = 1;
  private failure: UserError | null = null;
  /** Resolves when the connection has ended, for whatever reason. */
  readonly ended: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    /** Where the host was reached. */
    readonly address: ControlAddress,
    readonly where: string,
    readonly greeting: Greeting["toyvmm"],
    reader: LineReader,
  ) {
    this.ended = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => {
      for (const line of reader.push(chunk)) this.receive(line);
      if (reader.overflowed) this.fail(`${where}: the host sent a line longer than ${ANSWER_LINE_MAX} bytes`);
    });
    socket.on("close", () => this.fail(`the host at ${where} closed the connection`));
  }

  static async connect(address: ControlAddress, options: ClientOptions = {}): Promise<ControlClient> {
    const where = describeAddress(address);
    const socket = address.kind === "unix" ? connect(address.path) : connect(address.port, address.host);
    const reader = new LineReader(ANSWER_LINE_MAX);
    const greeting = await new Promise<Greeting["toyvmm"]>((resolve, reject) => {
      const fail = (message: string) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new UserError(message));
      };
      const timer = setTimeout(() => fail(`${where}: the host did not greet within ${GREETING_TIMEOUT_MS / 1000} s`), GREETING_TIMEOUT_MS);
      socket.once("error", (error: NodeJS.ErrnoException) => {
        const absent = error.code === "ENOENT" || error.code === "ECONNREFUSED";
        fail(absent ? `no host at ${where}${options.hint ? ` (${options.hint})` : ""}` : error.code === "EACCES" ? `${where}: permission denied (the host belongs to another user)` : `${where}: ${error.message}`);
      });
      socket.once("close", () => fail(`${where}: the host closed the connection before greeting`));
      socket.on("data", function first(chunk: Buffer) {
        const [line] = reader.push(chunk);
        if (line === undefined) {
          if (reader.overflowed) fail(`${where}: not a toyvmm host (no greeting)`);
          return;
        }
        socket.off("data", first);
        socket.removeAllListeners("error").removeAllListeners("close");
        clearTimeout(timer);
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          return fail(`${where}: not a toyvmm host (its greeting is not JSON)`);
        }
        const problem = problemOf(greetingSchema, value);
        if (problem) return fail(`${where}: not a toyvmm host, or one of another version (greeting: ${problem})`);
        // Nothing more is read until the client listens.
        socket.pause();
        resolve((value as Greeting).toyvmm);
      });
    });
    socket.on("error", () => {}); // reported through "close"
    const client = new ControlClient(socket, address, where, greeting, reader);
    socket.resume();
    if (greeting.auth === "token") {
      if (options.token === undefined) {
        client.close();
        throw new UserError(`${where}: this host wants its token (give --token-file FILE)`);
      }
      await client.call("authenticate", { token: options.token });
    }
    return client;
  }

  /** This machine's address on a TCP connection to the host (how the host sees it), else null. */
  get localAddress(): string | null {
    return this.address.kind === "tcp" ? (this.socket.localAddress ?? null) : null;
  }

  /** Runs a command on the host; resolves to its answer, or rejects with the host's error. */
  call<N extends CommandName>(name: N, args: z.input<(typeof COMMANDS)[N]["arguments"]>): Promise<AnswerOf<N>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { name, resolve: resolve as (value: unknown) => void, reject });
      this.socket.write(JSON.stringify({ execute: name, arguments: args, id }) + "\n");
    });
  }

  /** Hears every event from now on; returns the way to stop. */
  onEvent(listener: (event: ClientEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.socket.end();
  }

  private receive(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return this.fail(`${this.where}: the host sent a line that is not JSON`);
    }
    if (typeof value === "object" && value !== null && "event" in value) return this.event(value);
    const id = (value as { id?: unknown }).id;
    const pending = typeof id === "number" ? this.pending.get(id) : undefined;
    if (!pending) return this.fail(`${this.where}: the host answered a request that was not made`);
    this.pending.delete(id as number);
    if ("error" in (value as object)) {
      const problem = problemOf(errorReplySchema, value);
      if (problem) return this.fail(`${this.where}: a malformed error answer (${problem})`);
      const { error } = value as z.output<typeof errorReplySchema>;
      return pending.reject(new HostRequestError(error.class, error.desc));
    }
    const envelope = problemOf(returnReplySchema, value);
    const answer = COMMANDS[pending.name].returns.safeParse((value as { return?: unknown }).return);
    if (envelope || !answer.success) {
      const problem = envelope ?? problemOf(COMMANDS[pending.name].returns, (value as { return?: unknown }).return, "return");
      return this.fail(`${this.where}: a malformed answer to ${pending.name} (${problem})`);
    }
    pending.resolve(answer.data);
  }

  private event(value: object): void {
    if (problemOf(eventEnvelopeSchema, value)) return this.fail(`${this.where}: a malformed event`);
    const { event, data, timestamp } = value as z.output<typeof eventEnvelopeSchema>;
    // Events of a newer host this client does not know are not its business.
    if (!Object.hasOwn(EVENTS, event)) return;
    const parsed = EVENTS[event as EventName].data.safeParse(data);
    if (!parsed.success) return this.fail(`${this.where}: a malformed ${event} event (${problemOf(EVENTS[event as EventName].data, data, "data")})`);
    for (const listener of this.listeners) listener({ event, data: parsed.data, timestamp } as ClientEvent);
  }

  /** The connection is unusable: every request waiting fails with `message`. */
  private fail(message: string): void {
    this.failure ??= new UserError(message);
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
    this.socket.destroy();
  }
}

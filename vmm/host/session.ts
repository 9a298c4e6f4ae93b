/**
 * One client's connection to a host, as a state machine without I/O: bytes in (`receive`),
 * host events in (it listens to the host), text out (`takeOutput`, as fast as the client
 * reads). The socket code around it (control-server.ts) only moves bytes.
 *
 *   greeting ─▶ [authenticate, on TCP] ─▶ open: requests answered in order, events sent
 *        └─ line too long, wrong token, client too slow ─▶ closing (the driver ends the connection)
 *
 * Bounded by construction: a request line is read within REQUEST_LINE_MAX; answers and events
 * wait in a queue of at most OUTPUT_QUEUE_MAX bytes, and a client that lets it fill is dropped
 * rather than held for; console output is not queued at all but read from the VM's ring when
 * the client is ready for more, so a flooding guest makes a slow client miss bytes (and be told
 * how many), never the host hold them.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { UserError } from "../../isa/errors.js";
import { problemOf } from "../../isa/schema.js";
import type { Logger } from "../log.js";
import { completeUtf8Length } from "./console-ring.js";
import { HANDLERS, type SessionControl } from "./host-commands.js";
import type { Host } from "./host.js";
import { LineReader } from "./line-reader.js";
import { CAPABILITIES, CommandError, PROTOCOL_VERSION, REQUEST_LINE_MAX, requestId, requestSchema, type ErrorClass, type Greeting } from "./protocol.js";
import { COMMANDS, type CommandName } from "./protocol-commands.js";
import type { HostEvent } from "./protocol-events.js";

/** Most bytes of answers and events waiting for one client. */
export const OUTPUT_QUEUE_MAX = 1 << 20;
/** Most console bytes one CONSOLE_OUTPUT event carries. */
export const CONSOLE_EVENT_MAX = 16 * 1024;

export interface SessionOptions {
  /** The token this connection must present first (TCP); none for the UNIX socket. */
  token?: string;
  /** Milliseconds since the epoch, for event timestamps. */
  timeOfDay: () => number;
  log: Logger;
}

interface Follow {
  offset: number;
  /** Bytes missed since the last event, to be told in the next. */
  dropped: number;
}

const digest = (text: string): Buffer => createHash("sha256").update(text).digest();
const decoder = new TextDecoder();

export class ControlSession implements SessionControl {
  private readonly reader = new LineReader(REQUEST_LINE_MAX);
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  private authenticated: boolean;
  private readonly follows = new Map<string, Follow>();
  private readonly unlisten: () => void;
  /** Why the connection is to end, once it is: the driver ends it after sending what is queued. */
  closing: string | null = null;
  /** Set when the client fell too far behind: the driver drops it without sending more. */
  overflowed = false;

  constructor(
    private readonly host: Host,
    private readonly options: SessionOptions,
  ) {
    this.authenticated = options.token === undefined;
    this.unlisten = host.listen((event) => this.event(event));
    const greeting: Greeting = {
      toyvmm: {
        version: host.version,
        protocol: PROTOCOL_VERSION,
        host: host.name,
        auth: this.authenticated ? "none" : "token",
        capabilities: [...CAPABILITIES],
      },
    };
    this.send(greeting);
  }

  /** The connection is gone: the session hears no more events. */
  dispose(): void {
    this.unlisten();
    this.follows.clear();
  }

  /** Bytes from the client. */
  receive(chunk: Uint8Array): void {
    if (this.closing) return;
    for (const line of this.reader.push(chunk)) {
      if (this.closing) return;
      if (line.trim() !== "") this.request(line);
    }
    if (this.reader.overflowed) {
      this.fail(null, "BadRequest", `request line longer than ${REQUEST_LINE_MAX} bytes; closing the connection`);
      this.close("request line too long");
    }
  }

  /** The next text for the client, or null when there is nothing to send now. */
  takeOutput(): string | null {
    if (this.overflowed) return null;
    const line = this.queue.shift();
    if (line !== undefined) {
      this.queuedBytes -= line.length;
      return line;
    }
    for (const [vm, follow] of this.follows) {
      const event = this.consoleEvent(vm, follow);
      if (event) {
        // Round robin: the VM just served goes to the back.
        this.follows.delete(vm);
        this.follows.set(vm, follow);
        return event;
      }
    }
    return null;
  }

  /** False until a connection that needs the token has presented it. */
  get isAuthenticated(): boolean {
    return this.authenticated;
  }

  /** True when answers or events wait to be sent (console output aside). */
  get hasQueued(): boolean {
    return this.queue.length > 0;
  }

  authenticate(token: string): void {
    const expected = this.options.token;
    if (expected === undefined) return;
    if (timingSafeEqual(digest(token.trim()), digest(expected))) {
      this.authenticated = true;
      return;
    }
    this.close("wrong token");
    throw new CommandError("AuthenticationRequired", "wrong token; closing the connection");
  }

  follow(name: string, follow: boolean, offset: number | undefined): number {
    const vm = this.host.find(name);
    if (!follow) {
      this.follows.delete(name);
      return vm.console.end;
    }
    const start = offset ?? vm.console.end;
    this.follows.set(name, { offset: start, dropped: 0 });
    return start;
  }

  private request(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return this.fail(null, "BadRequest", "the request is not JSON");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return this.fail(null, "BadRequest", 'a request is a JSON object: {"execute": NAME, "arguments": {…}, "id": …}');
    }
    const id = requestId.safeParse((value as { id?: unknown }).id).success ? (value as { id?: unknown }).id : undefined;
    const envelope = problemOf(requestSchema, value);
    if (envelope) return this.fail(id, "BadRequest", envelope);
    const { execute, arguments: given } = value as { execute: string; arguments?: unknown };
    // Before the token, a client learns nothing, not even which commands there are.
    if (!this.authenticated && execute !== "authenticate") {
      return this.fail(id, "AuthenticationRequired", "this connection must authenticate first, with the host's token");
    }
    if (!Object.hasOwn(COMMANDS, execute)) {
      return this.fail(id, "CommandNotFound", `no command ${JSON.stringify(execute)} (query-commands lists them)`);
    }
    const name = execute as CommandName;
    const args = COMMANDS[name].arguments.safeParse(given ?? {});
    if (!args.success) return this.fail(id, "InvalidArguments", `${name}: ${problemOf(COMMANDS[name].arguments, given ?? {}, "arguments")}`);
    try {
      const handler = HANDLERS[name] as (host: Host, args: unknown, session: SessionControl) => unknown;
      this.send({ return: handler(this.host, args.data, this), ...(id !== undefined ? { id } : {}) });
    } catch (error) {
      if (error instanceof CommandError) return this.fail(id, error.errorClass, error.message);
      if (error instanceof UserError) return this.fail(id, "GenericError", error.message.replace(/\s*\n\s*/g, " "));
      this.options.log.error({ command: name, error: error instanceof Error ? error.stack : String(error) }, "internal error");
      this.fail(id, "InternalError", `internal error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private fail(id: unknown, errorClass: ErrorClass, desc: string): void {
    this.send({ error: { class: errorClass, desc }, ...(id !== undefined ? { id } : {}) });
  }

  private event(event: HostEvent): void {
    if (!this.authenticated || this.closing) return;
    const vm = (event.data as { vm?: string }).vm;
    const follow = vm !== undefined ? this.follows.get(vm) : undefined;
    if (vm !== undefined && follow) {
      // The console up to this moment goes first, so that a client sees all of it before the VM ends or leaves.
      for (let line = this.consoleEvent(vm, follow); line; line = this.consoleEvent(vm, follow)) this.push(line);
      if (event.event === "VM_DESTROYED") this.follows.delete(vm);
    }
    this.send({ event: event.event, data: event.data, timestamp: this.timestamp() });
  }

  /** The next CONSOLE_OUTPUT line of a followed VM, or null when it has nothing new. */
  private consoleEvent(name: string, follow: Follow): string | null {
    const vm = this.host.get(name);
    if (!vm) {
      this.follows.delete(name);
      return null;
    }
    const slice = vm.console.read(follow.offset, CONSOLE_EVENT_MAX);
    follow.dropped += slice.dropped;
    const whole = vm.state === "ended" && slice.offset + slice.bytes.length === vm.console.end;
    const length = whole ? slice.bytes.length : completeUtf8Length(slice.bytes);
    follow.offset = slice.offset + length;
    if (length === 0) return null;
    const data = { vm: name, offset: slice.offset, next: follow.offset, text: decoder.decode(slice.bytes.subarray(0, length)), dropped: follow.dropped };
    follow.dropped = 0;
    return line({ event: "CONSOLE_OUTPUT", data, timestamp: this.timestamp() });
  }

  /** QMP's event timestamp: the time of day in seconds and microseconds. */
  private timestamp(): { seconds: number; microseconds: number } {
    const now = this.options.timeOfDay();
    return { seconds: Math.floor(now / 1000), microseconds: Math.floor((now % 1000) * 1000) };
  }

  private send(message: object): void {
    this.push(line(message));
  }

  private push(text: string): void {
    if (this.overflowed) return;
    if (this.queuedBytes + text.length > OUTPUT_QUEUE_MAX) {
      this.overflowed = true;
      this.queue.length = 0;
      this.queuedBytes = 0;
      this.close("the client does not read what it is sent");
      return;
    }
    this.queue.push(text);
    this.queuedBytes += text.length;
  }

  private close(reason: string): void {
    if (this.closing) return;
    this.closing = reason;
    this.options.log.info({ reason }, "closing a control connection");
    this.dispose();
  }
}

const line = (message: object): string => JSON.stringify(message) + "\n";

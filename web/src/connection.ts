/**
 * One host, as the page talks to it: a WebSocket to its view endpoint carrying the control
 * protocol (each message one line of it). Requests are answered in order, so answers are
 * matched to requests by a queue; events go to the listeners. A host that asks for a token
 * (a view beyond loopback) gets the one in the page's address (#token=…).
 */
import type { AnswerOf, AnyEvent, CommandName, Greeting, RequestOf } from "./protocol.js";

export class HostError extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class HostConnection {
  greeting: Greeting["toyvmm"] | null = null;
  private readonly pending: Pending[] = [];
  private readonly listeners = new Set<(event: AnyEvent) => void>();
  private ws: WebSocket;
  /** Resolves with the greeting, or rejects when the connection could not be made. */
  readonly ready: Promise<Greeting["toyvmm"]>;
  /** Set once the connection is gone, with why. */
  closed: string | null = null;
  onClose: (reason: string) => void = () => {};

  constructor(
    /** HOST:PORT of the view, or "" for the host that served this page. */
    readonly address: string,
    token: string | null,
  ) {
    const where = address === "" ? location.host : address;
    this.ws = new WebSocket(`ws://${where}/control`);
    this.ready = new Promise((resolve, reject) => {
      this.ws.addEventListener("message", (message) => this.message(String(message.data), resolve, token));
      this.ws.addEventListener("close", (close) => {
        const reason =
          close.reason || (this.greeting ? "the host closed the connection" : `no toyvmm view at ${where}`);
        this.closed = reason;
        reject(new Error(reason));
        for (const pending of this.pending.splice(0)) pending.reject(new Error(reason));
        this.onClose(reason);
      });
    });
    this.ready.catch(() => {});
  }

  private message(text: string, greeted: (greeting: Greeting["toyvmm"]) => void, token: string | null): void {
    if (text === "") return;
    const message = JSON.parse(text) as Record<string, unknown>;
    if ("toyvmm" in message) {
      this.greeting = (message as Greeting).toyvmm;
      if (this.greeting.auth === "token") {
        this.call("authenticate", { token: token ?? "" }).then(
          () => greeted(this.greeting!),
          () => this.ws.close(),
        );
      } else greeted(this.greeting);
      return;
    }
    if ("event" in message) {
      for (const listener of this.listeners) listener(message as unknown as AnyEvent);
      return;
    }
    const pending = this.pending.shift();
    if (!pending) return;
    if ("error" in message) {
      const error = message.error as { class: string; desc: string };
      pending.reject(new HostError(error.class, error.desc));
    } else pending.resolve(message.return);
  }

  call<N extends CommandName>(name: N, args: RequestOf<N>): Promise<AnswerOf<N>> {
    return this.request(name, args) as Promise<AnswerOf<N>>;
  }

  /** Any command, unchecked: for the replay's own (`replay-point`), which no host has. */
  request(name: string, args: object): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error(this.closed));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.ws.send(JSON.stringify({ execute: name, arguments: args }));
    });
  }

  onEvent(listener: (event: AnyEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.ws.close();
  }
}

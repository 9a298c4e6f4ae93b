/**
 * The console: a byte-wide output port and an input queue. Output goes to a sink as it is
 * written; input is a queue fed by the host. Deterministic runs give all input up front.
 *
 * The queue holds at most MAX_INPUT unread bytes: input fed beyond that is dropped and
 * counted (`inputDropped`), so whatever a host feeds a guest that never reads cannot grow the
 * host's memory past the bound.
 */
import { IRQ_CONSOLE, MAX_INPUT, PORT } from "../arch.js";
import type { PortBus } from "./ports.js";

export interface ConsoleState {
  version: 1;
  /** Input not yet read by the guest, as bytes. */
  input: number[];
  /** True when the host said no more input will come. */
  inputClosed: boolean;
}

export class Console implements PortBus {
  private input = new Uint8Array(0);
  private inputPos = 0;
  private inputEnd = 0;
  /** Bytes fed while the queue was full. */
  inputDropped = 0;
  /** No more input will come: a guest waiting for input waits forever. */
  inputClosed = true;

  constructor(private readonly sink: (byte: number) => void) {}

  /** Queues input bytes for the guest; returns how many were taken (the rest are dropped). */
  feed(data: Uint8Array | string): number {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const taken = Math.min(bytes.length, MAX_INPUT - this.unread());
    this.inputDropped += bytes.length - taken;
    this.makeRoom(taken);
    this.input.set(bytes.subarray(0, taken), this.inputEnd);
    this.inputEnd += taken;
    return taken;
  }

  hasInput(): boolean {
    return this.inputPos < this.inputEnd;
  }

  read(port: number): number {
    if (port === PORT.consoleData) return this.hasInput() ? this.input[this.inputPos++]! : -1;
    if (port === PORT.consoleStatus) return this.hasInput() ? 1 : 0;
    return -1;
  }

  write(port: number, value: number): void {
    if (port === PORT.consoleData) this.sink(value & 0xff);
  }

  pending(): number {
    return this.hasInput() ? IRQ_CONSOLE : 0;
  }

  save(): ConsoleState {
    return { version: 1, input: Array.from(this.input.subarray(this.inputPos, this.inputEnd)), inputClosed: this.inputClosed };
  }

  restore(state: ConsoleState): void {
    if (state.version !== 1) throw new Error(`console state version ${state.version} is not supported`);
    this.input = Uint8Array.from(state.input.slice(0, MAX_INPUT));
    this.inputPos = 0;
    this.inputEnd = this.input.length;
    this.inputClosed = state.inputClosed;
  }

  private unread(): number {
    return this.inputEnd - this.inputPos;
  }

  /** Room for `more` bytes after the unread ones: compacts, and grows by doubling up to the bound. */
  private makeRoom(more: number): void {
    const unread = this.unread();
    if (this.inputEnd + more <= this.input.length) return;
    const size = Math.min(MAX_INPUT, Math.max(unread + more, this.input.length * 2, 256));
    if (size > this.input.length) {
      const grown = new Uint8Array(size);
      grown.set(this.input.subarray(this.inputPos, this.inputEnd));
      this.input = grown;
    } else {
      this.input.copyWithin(0, this.inputPos, this.inputEnd);
    }
    this.inputPos = 0;
    this.inputEnd = unread;
  }
}

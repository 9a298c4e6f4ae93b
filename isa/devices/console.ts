/**
 * The console: a byte-wide output port and an input queue. Output goes to a sink as it is
 * written; input is a queue fed by the host. Deterministic runs give all input up front.
 */
import { IRQ_CONSOLE, PORT } from "../arch.js";
import type { PortBus } from "./ports.js";

export interface ConsoleState {
  version: 1;
  /** Input not yet read by the guest, as bytes. */
  input: number[];
  /** True when the host said no more input will come. */
  inputClosed: boolean;
}

export class Console implements PortBus {
  private input: number[] = [];
  private inputPos = 0;
  /** No more input will come: a guest waiting for input waits forever. */
  inputClosed = true;

  constructor(private readonly sink: (byte: number) => void) {}

  /** Queues input bytes for the guest. */
  feed(data: Uint8Array | string): void {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    for (const b of bytes) this.input.push(b);
  }

  hasInput(): boolean {
    return this.inputPos < this.input.length;
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
    return { version: 1, input: this.input.slice(this.inputPos), inputClosed: this.inputClosed };
  }

  restore(state: ConsoleState): void {
    if (state.version !== 1) throw new Error(`console state version ${state.version} is not supported`);
    this.input = state.input.slice();
    this.inputPos = 0;
    this.inputClosed = state.inputClosed;
  }
}

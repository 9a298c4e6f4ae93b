/**
 * A machine's I/O bus: the console, and the NIC when the machine has one. Without a NIC the bus
 * is the console itself, so such a machine behaves exactly as it did before networks existed.
 */
import { PORT } from "../arch.js";
import type { Console } from "./console.js";
import type { Nic } from "./net.js";
import type { PortBus } from "./ports.js";

export function isNetPort(port: number): boolean {
  return port >= PORT.netMacLow && port <= PORT.netRxHead;
}

class ConsoleAndNic implements PortBus {
  readonly sources: number;

  constructor(
    private readonly console: Console,
    private readonly nic: Nic,
  ) {
    this.sources = nic.sources;
  }

  read(port: number): number {
    return isNetPort(port) ? this.nic.read(port) : this.console.read(port);
  }

  write(port: number, value: number, ticks: number): boolean | void {
    return isNetPort(port) ? this.nic.write(port, value, ticks) : this.console.write(port, value);
  }

  pending(): number {
    return this.console.pending() | this.nic.pending();
  }

  wakers(): number {
    return this.nic.wakers();
  }
}

export function deviceBus(console: Console, nic: Nic | null): PortBus {
  return nic ? new ConsoleAndNic(console, nic) : console;
}

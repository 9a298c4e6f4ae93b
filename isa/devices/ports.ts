/**
 * The I/O bus a bare CPU executes `in` and `out` against. Under the monitor the same devices
 * sit behind the virtual CPU instead, and `in`/`out` trap to the monitor first.
 */
export interface PortBus {
  /** Value read from a port; -1 for a port with no device. */
  read(port: number): number;
  write(port: number, value: number): void;
  /** Interrupt sources the devices hold pending (IRQ_* bits). */
  pending(): number;
}

/** A bus with nothing on it. */
export const NO_PORTS: PortBus = {
  read: () => -1,
  write: () => {},
  pending: () => 0,
};

/**
 * The I/O bus a bare CPU executes `in` and `out` against. Under the monitor the same devices
 * sit behind the virtual CPU instead, and `in`/`out` trap to the monitor first.
 */
export interface PortBus {
  /** Value read from a port; -1 for a port with no device. */
  read(port: number): number;
  /**
   * `ticks`: guest time before the `out` that writes. True when the write may have changed the
   * pending interrupts, so the CPU looks at them before the next instruction, as the monitor does.
   */
  write(port: number, value: number, ticks: number): boolean | void;
  /** Interrupt sources the devices hold pending (IRQ_* bits). */
  pending(): number;
  /**
   * Interrupt bits beyond IRQ_WRITABLE the devices can raise, which `imask` may then enable
   * (IRQ_NET with a NIC); absent, none. A machine without such a device behaves as before.
   */
  readonly sources?: number;
  /** Sources that may become pending on their own while the guest waits in `wfi` (a NIC on a link). */
  wakers?(): number;
}

/** A bus with nothing on it. */
export const NO_PORTS: PortBus = {
  read: () => -1,
  write: () => {},
  pending: () => 0,
};

/**
 * The host's loop on the wall clock: turn the scheduler, send clients what the turn produced,
 * then yield to the event loop — at once (setImmediate, so sockets are served between turns)
 * while a VM is due, after a timer while the VMs are ahead of the clock, or not at all while
 * none can run, until something makes one runnable (`poke`).
 */
import type { Host } from "./host.js";

const NS_PER_MS = 1_000_000;

export class HostLoop {
  private immediate: NodeJS.Immediate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly host: Host,
    /** Called after every turn: the control server sends what the turn produced. */
    private readonly afterTurn: () => void,
  ) {
    host.onRunnable = () => this.poke();
  }

  start(): void {
    this.running = true;
    this.poke();
  }

  stop(): void {
    this.running = false;
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.immediate = this.timer = null;
  }

  /** Something may have made a VM runnable: turn soon, if no turn is already coming. */
  poke(): void {
    if (!this.running || this.immediate) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.immediate = setImmediate(this.turn);
  }

  private readonly turn = (): void => {
    this.immediate = this.timer = null;
    const wait = this.host.turn();
    this.afterTurn();
    if (!this.running || wait === Infinity) return;
    if (wait <= 0) this.immediate = setImmediate(this.turn);
    else this.timer = setTimeout(this.turn, Math.max(1, Math.ceil(wait / NS_PER_MS)));
  };
}

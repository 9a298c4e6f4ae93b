/**
 * A driver's one timer. `at(due)` makes it fire no later than `due` (ns on the driver's clock);
 * a timer already set to fire sooner stays as it is, since firing early is harmless — the
 * machine ignores a timer event before its time and the driver sets the timer again. So the
 * timer is not set anew for every frame that moves a deadline a little later.
 */
import type { Clock } from "../clock.js";

export class WakeTimer {
  private timer: NodeJS.Timeout | null = null;
  private due = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly fire: () => void,
  ) {}

  at(due: number): void {
    if (due >= this.due) return;
    this.clear();
    if (!Number.isFinite(due)) return;
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.due = Infinity;
      this.fire();
    }, Math.max(0, Math.ceil((due - this.clock.now()) / 1e6)));
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.due = Infinity;
  }
}

/**
 * A networked run's input, for the debugger to replay it: every frame the network offered a
 * VM's NIC, with the VM's tick when it came and the tick it arrives at. A VM is deterministic
 * given its input, so each VM replays alone, fed the same frames at the same ticks of its own
 * (machine-target.ts) — and that replay is the networked run, from the start or from any
 * snapshot, forwards and backwards. What a replayed VM sends goes nowhere: the frames it caused
 * are in the other VMs' input already.
 *
 * Bounded: past MAX_INPUT_BYTES of frames in all the recording stops, and says so.
 */
import type { Machine } from "../monitor/machine.js";

export interface ReceivedFrame {
  /** The VM's tick when the network offered the frame (between two of its runs). */
  at: number;
  /** The VM's tick the frame arrives at. */
  arrives: number;
  frame: Uint8Array;
}

export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** Records what the network offers each machine's NIC from now on, until the machine has ended (nothing changes it then). */
export class NetInputRecorder {
  readonly inputs: ReceivedFrame[][];
  private bytes = 0;
  /** The VM whose frame did not fit in the bound, once one did not. */
  overflowed: string | null = null;

  constructor(
    machines: readonly Machine[],
    readonly limit = MAX_INPUT_BYTES,
  ) {
    this.inputs = machines.map((m) => {
      const frames: ReceivedFrame[] = [];
      m.nic!.onReceive = (frame, arrives) => {
        if (!m.ended) this.add(m, frames, { at: m.cpu.ticks, arrives, frame: frame.slice() });
      };
      return frames;
    });
  }

  private add(m: Machine, frames: ReceivedFrame[], received: ReceivedFrame): void {
    if (this.overflowed !== null) return;
    this.bytes += received.frame.length;
    if (this.bytes > this.limit) this.overflowed = m.name;
    else frames.push(received);
  }
}

/** One VM's recorded input, handed to its machine at the recorded ticks. */
export class InputFeed {
  private next = 0;

  constructor(private readonly frames: readonly ReceivedFrame[]) {}

  /** Where a machine restored at `ticks` is: it holds the frames offered up to there. */
  seek(ticks: number): void {
    let lo = 0;
    let hi = this.frames.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.frames[mid]!.at <= ticks) lo = mid + 1;
      else hi = mid;
    }
    this.next = lo;
  }

  /** The tick the next frame is offered at (Infinity after the last). */
  get nextAt(): number {
    return this.frames[this.next]?.at ?? Infinity;
  }

  /** Offers the machine the frames due by its tick now. */
  feed(machine: Machine): void {
    const ticks = machine.cpu.ticks;
    while (this.next < this.frames.length && this.frames[this.next]!.at <= ticks) {
      const { frame, arrives } = this.frames[this.next++]!;
      machine.nic!.receive(frame, arrives);
    }
  }
}

/**
 * The memory of the last VM that left this host, kept a while for the next one to arrive with
 * the same size. A fresh buffer costs the kernel a page fault at the first write to each of
 * its pages, and at a migration's destination those faults took a third of the time on a
 * loaded machine; memory that was a guest's has its pages already. It is handed on as the VM
 * left it, not cleared: the destination writes nearly every page as it arrives and clears the
 * few no frame filled before the VM is built (protocol/destination.ts), so a clearing pass
 * (5–10 ms for 64 MiB, while the first pages wait) would only be written over. (QEMU's destination has its RAM allocated before the stream starts; a host that
 * takes VMs back and forth keeps that way what it had.) One buffer at most, for a minute.
 */
import { Memory } from "../../../isa/memory.js";

const KEEP_MS = 60_000;

export class SpareMemory {
  private buffer: ArrayBuffer | null = null;
  private timer: NodeJS.Timeout | null = null;

  /** Keeps `memory`'s buffer, which nothing may use any more (its VM has gone for good), in place of any kept before. */
  give(memory: Memory): void {
    this.drop();
    this.buffer = memory.bytes.buffer as ArrayBuffer;
    this.timer = setTimeout(() => this.drop(), KEEP_MS).unref();
  }

  /**
   * Memory of `size` bytes on the kept buffer when it has that size, else null: its bytes are
   * still the last VM's, for a migration's destination to fill or clear page by page.
   */
  take(size: number): Memory | null {
    const buffer = this.buffer;
    if (!buffer || buffer.byteLength !== size) return null;
    this.drop();
    return new Memory(size, buffer, false);
  }

  drop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.buffer = null;
  }
}

/**
 * The memory of the last VM that left this host, kept a while for the next one to arrive with
 * the same size. A fresh buffer costs the kernel a page fault at the first write to each of
 * its pages, and at a migration's destination those faults took a third of the time on a
 * loaded machine; memory that was a guest's has its pages already, and clearing it is a
 * single pass. (QEMU's destination has its RAM allocated before the stream starts; a host that
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

  /** Memory of `size` bytes, all zeros, on the kept buffer when it has that size; else null. */
  take(size: number): Memory | null {
    const buffer = this.buffer;
    if (!buffer || buffer.byteLength !== size) return null;
    this.drop();
    return new Memory(size, buffer);
  }

  drop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.buffer = null;
  }
}

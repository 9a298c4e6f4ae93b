/**
 * Test helper: assembles a guest kernel, loads it into a bare machine with the boot arguments
 * and console input given, and runs it until it halts (or a budget of guest time runs out).
 */
import { fileURLToPath } from "node:url";
import { assembleFile } from "../../isa/asm/index.js";
import { Cpu, EXIT_NAMES } from "../../isa/cpu/cpu.js";
import { Console } from "../../isa/devices/console.js";
import { loadImage } from "../../isa/loader.js";
import { Memory } from "../../isa/memory.js";

export interface GuestRun {
  /** Why the CPU stopped: "halt" when the kernel finished. */
  exit: string;
  /** a0 at `halt`. */
  status: number;
  /** Everything written to the console. */
  output: string;
  /** Guest time at the end. */
  ticks: number;
}

/** Path of a kernel's top-level source, e.g. kernelPath("multi"). */
export function kernelPath(name: string): string {
  return fileURLToPath(new URL(`../../guest-os/${name}/kernel.s`, import.meta.url));
}

export function bootGuest(name: string, bootArgs = "", input = "", budget = 20_000_000): GuestRun {
  const { image } = assembleFile(kernelPath(name));
  const memory = new Memory(image.memorySize);
  const reset = loadImage(image, memory, bootArgs);
  const out: number[] = [];
  const console = new Console((b) => out.push(b));
  console.feed(input);
  const cpu = new Cpu(memory, { ports: console });
  cpu.reset(reset.entry, reset.a0, reset.a1);
  const reason = cpu.run(budget);
  return { exit: EXIT_NAMES[reason], status: cpu.exitStatus, output: Buffer.from(out).toString("latin1"), ticks: cpu.ticks };
}

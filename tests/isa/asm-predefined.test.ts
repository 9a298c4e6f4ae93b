/**
 * The architecture's constants are predefined symbols: their values come from isa/arch.ts and a
 * program may not redefine them.
 */
import { describe, expect, it } from "vitest";
import * as arch from "../../isa/arch.js";
import { AssemblyError, PREDEFINED_SYMBOLS, assemble } from "../../isa/asm/index.js";

function wordOf(expression: string): number {
  const { image } = assemble(`.word ${expression}`, { file: "p.s" });
  const data = image.sections[0]!.data;
  return new DataView(data.buffer, data.byteOffset).getUint32(0, true);
}

function errorOf(source: string): AssemblyError {
  try {
    assemble(source, { file: "p.s" });
  } catch (error) {
    if (error instanceof AssemblyError) return error;
    throw error;
  }
  throw new Error("assembled without errors");
}

describe("predefined symbols", () => {
  it("have arch.ts's values when assembled", () => {
    for (const s of PREDEFINED_SYMBOLS) expect(wordOf(s.name), s.name).toBe(s.value);
  });

  it("name every system call, port, cause, status bit, interrupt, PTE bit and the page size", () => {
    const byName = new Map(PREDEFINED_SYMBOLS.map((s) => [s.name, s.value]));
    for (const [name, value] of Object.entries(arch.SYS)) expect(byName.get(`SYS_${name.toUpperCase()}`), name).toBe(value);
    expect(byName.get("PORT_CONSOLE_DATA")).toBe(arch.PORT.consoleData);
    expect(byName.get("PORT_CONSOLE_STATUS")).toBe(arch.PORT.consoleStatus);
    const fromArch = {
      CAUSE_ILLEGAL: arch.CAUSE_ILLEGAL, CAUSE_PRIVILEGED: arch.CAUSE_PRIVILEGED, CAUSE_PAGE_FAULT_READ: arch.CAUSE_PAGE_FAULT_READ,
      CAUSE_PAGE_FAULT_WRITE: arch.CAUSE_PAGE_FAULT_WRITE, CAUSE_PAGE_FAULT_FETCH: arch.CAUSE_PAGE_FAULT_FETCH,
      CAUSE_MISALIGNED: arch.CAUSE_MISALIGNED, CAUSE_ACCESS_FAULT: arch.CAUSE_ACCESS_FAULT, CAUSE_DIVIDE_BY_ZERO: arch.CAUSE_DIVIDE_BY_ZERO,
      CAUSE_SYSCALL: arch.CAUSE_SYSCALL, CAUSE_BREAKPOINT: arch.CAUSE_BREAKPOINT, CAUSE_TIMER: arch.CAUSE_TIMER, CAUSE_CONSOLE: arch.CAUSE_CONSOLE,
      STATUS_KERNEL: arch.STATUS_KERNEL, STATUS_IE: arch.STATUS_IE, STATUS_PKERNEL: arch.STATUS_PKERNEL, STATUS_PIE: arch.STATUS_PIE,
      STATUS_PG: arch.STATUS_PG, IRQ_TIMER: arch.IRQ_TIMER, IRQ_CONSOLE: arch.IRQ_CONSOLE,
      PTE_P: arch.PTE_P, PTE_W: arch.PTE_W, PTE_U: arch.PTE_U, PTE_A: arch.PTE_A, PTE_D: arch.PTE_D,
      PAGE_SIZE: arch.PAGE_SIZE, PAGE_SHIFT: arch.PAGE_SHIFT,
    };
    for (const [name, value] of Object.entries(fromArch)) expect(byName.get(name), name).toBe(value >>> 0);
    expect(wordOf("CAUSE_TIMER")).toBe(0x80000000);
  });

  it("work in instructions and expressions", () => {
    const a = assemble("li a0, SYS_GETPID\nori t0, zero, STATUS_KERNEL | STATUS_PG\nout PORT_CONSOLE_DATA, t0", { file: "p.s" });
    const b = assemble("li a0, 7\nori t0, zero, 17\nout 0, t0", { file: "p.s" });
    expect(a.image.sections[0]!.data).toEqual(b.image.sections[0]!.data);
  });

  it("are not exported as labels", () => {
    expect(assemble("x: nop", { file: "p.s" }).image.symbols.map((s) => s.name)).toEqual(["x"]);
  });

  it.each([
    [".equ SYS_EXIT, 3", 1, 6, "'SYS_EXIT' is predefined (SYS.exit in isa/arch.ts = 0x0) and may not be redefined"],
    ["nop\n  PAGE_SIZE = 4096", 2, 3, "'PAGE_SIZE' is predefined (PAGE_SIZE in isa/arch.ts = 0x1000) and may not be redefined"],
    ["nop\nnop\nCAUSE_TIMER: nop", 3, 1, "'CAUSE_TIMER' is predefined (CAUSE_TIMER in isa/arch.ts = 0x80000000) and may not be redefined"],
  ])("redefining one is a positioned error: %j", (source, line, col, message) => {
    const error = errorOf(source);
    expect(error.diagnostics).toHaveLength(1);
    expect(error.diagnostics[0]).toMatchObject({ file: "p.s", line, col, message });
    expect(error.message).toContain(`p.s:${line}:${col}: error: ${message}`);
  });

  it("leave other spellings free (symbols are case-sensitive)", () => {
    expect(wordOf("sys_exit\n.equ sys_exit, 5")).toBe(5);
  });
});

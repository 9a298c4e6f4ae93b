/**
 * Running a machine that has a NIC: its runs are cut at the ticks the NIC acts (a frame
 * arrives, the transmitter is free for the next descriptor), and the NIC acts there, so what it
 * does happens at the same tick however the budget is sliced, bare or monitored. A machine
 * without a NIC never comes here.
 */
import { MAX_BUDGET, type Cpu } from "../../isa/cpu/cpu.js";
import type { Nic } from "../../isa/devices/net.js";
import { BUDGET_EXIT, wholeBudget, type VmExit } from "./machine.js";

export function runDelivering(nic: Nic, cpu: Cpu, budget: number, run: (budget: number) => VmExit): VmExit {
  let left = wholeBudget(budget, MAX_BUDGET);
  for (;;) {
    const page = nic.deliver(cpu.ticks);
    if (page >= 0) return { kind: "page-missing", page };
    // A budget of zero still takes an interrupt that is due, as a machine without a NIC does.
    if (left <= 0) return budget === 0 ? run(0) : BUDGET_EXIT;
    const before = cpu.ticks;
    const exit = run(Math.min(left, nic.nextEvent(before) - before));
    left -= cpu.ticks - before;
    if (nic.missingPage >= 0) return { kind: "page-missing", page: nic.missingPage };
    if (exit.kind !== "budget") return exit;
  }
}

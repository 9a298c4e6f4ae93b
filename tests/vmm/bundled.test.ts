/** The bundled guests boot under the monitor exactly as on the bare CPU. */
import { describe, expect, it } from "vitest";
import { bundledImage, listBundledGuests } from "../../vmm/monitor/bundled.js";
import { expectSameAsBare } from "./harness.js";

const guests = listBundledGuests();

describe("bundled guests, bare vs monitor", () => {
  it("discovers guest-os/<name>/kernel.s with a description", () => {
    expect(guests.map((g) => g.name)).toContain("solo");
    for (const g of guests) expect(g.description.length).toBeGreaterThan(0);
  });

  for (const g of guests) {
    it(`${g.name}: same console, memory, ticks, registers and CSRs`, (ctx) => {
      let image;
      try {
        image = bundledImage(g);
      } catch (error) {
        // A guest still being written may not assemble yet; that is its test suite's business.
        ctx.skip(`${g.name} does not assemble: ${(error as Error).message.split("\n")[0]}`);
        return;
      }
      for (const slice of [1e9, 997]) {
        const { expected, vm } = expectSameAsBare(image, {}, slice, 5_000_000);
        expect(expected.output.length).toBeGreaterThan(0);
        expect(vm.machine.stats.emulated).toBeGreaterThan(0);
      }
    });
  }
});

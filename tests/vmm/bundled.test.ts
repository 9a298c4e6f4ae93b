/** The bundled guests boot under the monitor exactly as on the bare CPU. */
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeImage } from "../../isa/image/format.js";
import { findBundledGuest, listBundledGuests } from "../../vmm/monitor/bundled.js";
import { bundledImage, prebuildBundledImages } from "../../vmm/monitor/bundled-images.js";
import { expectSameAsBare } from "./harness.js";

const guests = listBundledGuests();

describe("bundled guests, bare vs monitor", () => {
  it("discovers guest-os/<name>/kernel.s with a description", () => {
    expect(guests.map((g) => g.name)).toContain("solo");
    for (const g of guests) expect(g.description.length).toBeGreaterThan(0);
  });

  it("finds each guest by name as the list has it, and nothing else (a folder without kernel.s, a path)", () => {
    for (const g of guests) expect(findBundledGuest(g.name)).toEqual(g);
    for (const name of ["lib", "nope", "", ".", "..", "solo/", "../guest-os/solo", "solo/kernel.s"]) {
      expect(findBundledGuest(name), name).toBeUndefined();
    }
  });

  for (const g of guests) {
    it(`${g.name}: same console, memory, ticks, registers and CSRs`, () => {
      const image = bundledImage(g);
      for (const slice of [1e9, 997]) {
        const { expected, vm } = expectSameAsBare(image, {}, slice, 5_000_000);
        expect(expected.output.length).toBeGreaterThan(0);
        expect(vm.machine.stats.emulated).toBeGreaterThan(0);
      }
    });
  }
});

describe("prebuilt bundled guests", () => {
  it("boots the image npm run build assembled until one of its sources (includes too) changes", () => {
    const project = mkdtempSync(join(tmpdir(), "toyvmm-prebuilt-"));
    const root = join(project, "guest-os");
    mkdirSync(join(root, "tiny"), { recursive: true });
    mkdirSync(join(root, "lib"));
    writeFileSync(join(root, "lib", "exit.s"), "    li a0, 7\n    halt\n");
    writeFileSync(join(root, "tiny", "kernel.s"), '.include "../lib/exit.s"\n');
    writeFileSync(join(root, "tiny", "README.md"), "# tiny — a test guest\n");
    const [prebuilt] = prebuildBundledImages(root);
    const guest = findBundledGuest("tiny", root)!;
    const assembled = bundledImage(guest);

    // A marker image in place of the prebuilt one shows which of the two is used.
    const marker = { ...assembled, entry: assembled.entry + 4 };
    writeFileSync(prebuilt!, encodeImage(marker));
    expect(bundledImage(guest).entry).toBe(marker.entry);

    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, "lib", "exit.s"), later, later);
    expect(bundledImage(guest).entry).toBe(assembled.entry);
  });
});

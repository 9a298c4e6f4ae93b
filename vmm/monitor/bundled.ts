/**
 * The bundled guests: one folder per mini-OS under `guest-os/`. Discovery rule: a folder
 * `guest-os/<name>/` holding `kernel.s` is a guest called <name>; the first line of its
 * README.md (`# name — description`) gives its one-line description.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assembleFile } from "../../isa/asm/index.js";
import { UserError } from "../../isa/errors.js";
import type { GuestImage } from "../../isa/image/model.js";

export const KERNEL_FILE = "kernel.s";

export interface BundledGuest {
  name: string;
  /** Path of the kernel's main source file. */
  kernel: string;
  description: string;
}

/** The guest-os folder of this installation (source tree or package), found walking up. */
export function guestOsRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "guest-os"))) return join(dir, "guest-os");
    const parent = dirname(dir);
    if (parent === dir) throw new UserError("cannot find the bundled guests (no guest-os folder above the program)");
    dir = parent;
  }
}

export function listBundledGuests(root = guestOsRoot()): BundledGuest[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, KERNEL_FILE)))
    .map((e) => ({ name: e.name, kernel: join(root, e.name, KERNEL_FILE), description: describe(join(root, e.name)) }))
    .sort((x, y) => x.name.localeCompare(y.name));
}

export function findBundledGuest(name: string, root = guestOsRoot()): BundledGuest | undefined {
  return listBundledGuests(root).find((g) => g.name === name);
}

/** Assembles a bundled guest's kernel. */
export function bundledImage(guest: BundledGuest): GuestImage {
  return assembleFile(guest.kernel).image;
}

/** "# solo — a single-program monitor" → "a single-program monitor". */
function describe(folder: string): string {
  try {
    const first = readFileSync(join(folder, "README.md"), "utf8").split("\n")[0] ?? "";
    return first.replace(/^#+\s*/, "").replace(/^[\w-]+\s+[—–-]\s+/, "").trim();
  } catch {
    return "";
  }
}

/**
 * The bundled guests: one folder per mini-OS under `guest-os/`. Discovery rule: a folder
 * `guest-os/<name>/` holding `kernel.s` is a guest called <name>; the first line of its
 * README.md (`# name — description`) gives its one-line description.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assembleFile } from "../../isa/asm/index.js";
import { UserError } from "../../isa/errors.js";
import { decodeImage, encodeImage } from "../../isa/image/format.js";
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

/**
 * A bundled guest's image: the one `npm run build` assembled (dist/guest-os/<name>.tvm) while
 * it is newer than every source of the guest and of guest-os/lib, else assembled now.
 */
export function bundledImage(guest: BundledGuest): GuestImage {
  const prebuilt = prebuiltPath(guest);
  if (existsSync(prebuilt) && statSync(prebuilt).mtimeMs >= newestSource(guest)) {
    return decodeImage(readFileSync(prebuilt), prebuilt);
  }
  return assembleFile(guest.kernel).image;
}

/** Assembles every bundled guest into dist/guest-os/ (part of `npm run build`). */
export function prebuildBundledImages(root = guestOsRoot()): string[] {
  return listBundledGuests(root).map((guest) => {
    const path = prebuiltPath(guest);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, encodeImage(assembleFile(guest.kernel).image, path));
    return path;
  });
}

function prebuiltPath(guest: BundledGuest): string {
  const root = dirname(dirname(guest.kernel));
  return join(dirname(root), "dist", "guest-os", `${guest.name}.tvm`);
}

/** Modification time of the newest assembly source the guest can include. */
function newestSource(guest: BundledGuest): number {
  const folders = [dirname(guest.kernel), join(dirname(dirname(guest.kernel)), "lib")];
  let newest = 0;
  for (const folder of folders) {
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder)) newest = Math.max(newest, statSync(join(folder, name)).mtimeMs);
  }
  return newest;
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

/**
 * The bundled guests: one folder per mini-OS under `guest-os/`. Discovery rule: a folder
 * `guest-os/<name>/` holding `kernel.s` is a guest called <name>; the first line of its
 * README.md (`# name — description`) gives its one-line description.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../../isa/errors.js";
import { decodeImage } from "../../isa/image/format.js";
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
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/** The bundled guest called `name`, looking at its own folder only (a boot reads no other guest's files). */
export function findBundledGuest(name: string, root = guestOsRoot()): BundledGuest | undefined {
  if (name === "" || name === "." || name === ".." || basename(name) !== name) return undefined;
  const folder = join(root, name);
  const kernel = join(folder, KERNEL_FILE);
  try {
    if (!lstatSync(folder).isDirectory() || !existsSync(kernel)) return undefined;
  } catch {
    return undefined;
  }
  return { name, kernel, description: describe(folder) };
}

/**
 * The image `npm run build` assembled for a bundled guest (dist/guest-os/<name>.tvm), while it
 * is newer than every source file that went into it (listed beside it); else undefined.
 */
export function prebuiltImage(guest: BundledGuest): GuestImage | undefined {
  const { image, sources } = prebuiltPaths(guest);
  return isFresh(image, sources) ? decodeImage(readFileSync(image), image) : undefined;
}

/** A bundled guest's image: the prebuilt one, else assembled now (loading the assembler only then). */
export async function openBundledImage(guest: BundledGuest): Promise<GuestImage> {
  return prebuiltImage(guest) ?? (await import("./bundled-images.js")).bundledImage(guest);
}

export function prebuiltPaths(guest: BundledGuest): { image: string; sources: string } {
  const folder = join(dirname(dirname(dirname(guest.kernel))), "dist", "guest-os");
  return { image: join(folder, `${guest.name}.tvm`), sources: join(folder, `${guest.name}.sources.json`) };
}

/** True when the prebuilt image exists and no source it was assembled from changed since. */
function isFresh(image: string, sourcesList: string): boolean {
  try {
    const built = statSync(image).mtimeMs;
    const sources = JSON.parse(readFileSync(sourcesList, "utf8")) as string[];
    return sources.every((source) => statSync(source).mtimeMs <= built);
  } catch {
    return false;
  }
}

/** "# solo — a single-program monitor" → "a single-program monitor". */
function describe(folder: string): string {
  try {
    const first = readFileSync(join(folder, "README.md"), "utf8").split("\n")[0] ?? "";
    return first
      .replace(/^#+\s*/, "")
      .replace(/^[\w-]+\s+[\u2014\u2013-]\s+/, "")
      .trim();
  } catch {
    return "";
  }
}

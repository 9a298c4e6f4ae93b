/**
 * What a guest argument names, for every command that starts guests (boot, migrate,
 * experiment): a bundled guest OS by name, or a file — a `.s` source (assembled on the way) or
 * a `.tvm` image. A file whose image has the start-up symbol of programs/lib/start.s is a
 * program for the process VM; any other image is a kernel.
 */
import { basename } from "node:path";
import { UserError } from "../isa/errors.js";
import type { GuestImage } from "../isa/image/model.js";
import { readImageFile } from "../isa/loader.js";
import { bundledImage, findBundledGuest, listBundledGuests } from "./monitor/bundled.js";

/** The start-up symbol of programs/lib/start.s: its image is a program, not a kernel. */
export const PROGRAM_START_SYMBOL = "_start";

export type GuestKind = "bundled" | "program" | "kernel";

export interface ResolvedGuest {
  name: string;
  image: GuestImage;
  kind: GuestKind;
}

/** True when the argument names a file rather than a bundled guest. */
export const isGuestPath = (spec: string): boolean =>
  spec.includes("/") || spec.endsWith(".s") || spec.endsWith(".tvm");

/** Resolves a guest argument; `where` prefixes error messages (e.g. a spec file's field). */
export function resolveGuest(spec: string, where?: string, includePath: string[] = []): ResolvedGuest {
  if (!isGuestPath(spec)) {
    const guest = findBundledGuest(spec);
    if (!guest) {
      const known = listBundledGuests()
        .map((g) => g.name)
        .join(", ");
      const prefix = where ? `${where}: ` : "";
      throw new UserError(
        `${prefix}${spec}: no such bundled guest (bundled: ${known || "none"}); give a .tvm or .s file instead`,
      );
    }
    return { name: guest.name, image: bundledImage(guest), kind: "bundled" };
  }
  const image = readImageFile(spec, { includePath });
  const program = image.symbols.some((s) => s.name === PROGRAM_START_SYMBOL);
  return { name: basename(spec).replace(/\.(s|tvm)$/, "") || "vm", image, kind: program ? "program" : "kernel" };
}

/**
 * What a guest argument names, for every command that starts guests (boot, migrate,
 * experiment, the hosts' vm-create): a bundled guest OS by name, or a file — a `.s` source
 * (assembled on the way) or a `.tvm` image. A file whose image has the start-up symbol of
 * programs/lib/start.s is a program for the process VM; any other image is a kernel.
 *
 * `openGuest` loads the assembler only when the guest must be assembled, so that booting a
 * prebuilt image starts quickly; guests.ts's `resolveGuest` does the same synchronously, with
 * the assembler loaded up front.
 */
import { basename } from "node:path";
import { UserError } from "../isa/errors.js";
import type { GuestImage } from "../isa/image/model.js";
import { openImageFile } from "../isa/loader.js";
import { findBundledGuest, listBundledGuests, openBundledImage, type BundledGuest } from "./monitor/bundled.js";

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

/** The bundled guest an argument names, or undefined for a file; `where` prefixes the error for an unknown name. */
export function bundledGuestOf(spec: string, where?: string): BundledGuest | undefined {
  if (isGuestPath(spec)) return undefined;
  const guest = findBundledGuest(spec);
  if (guest) return guest;
  const known = listBundledGuests()
    .map((g) => g.name)
    .join(", ");
  const prefix = where ? `${where}: ` : "";
  throw new UserError(`${prefix}${spec}: no such bundled guest (bundled: ${known || "none"}); give a .tvm or .s file instead`);
}

/** The guest a file argument holds, named after the file. */
export function fileGuest(spec: string, image: GuestImage): ResolvedGuest {
  const program = image.symbols.some((s) => s.name === PROGRAM_START_SYMBOL);
  return { name: basename(spec).replace(/\.(s|tvm)$/, "") || "vm", image, kind: program ? "program" : "kernel" };
}

/** Resolves a guest argument; `where` prefixes error messages (e.g. a spec file's field). */
export async function openGuest(spec: string, where?: string, includePath: string[] = []): Promise<ResolvedGuest> {
  const bundled = bundledGuestOf(spec, where);
  if (bundled) return { name: bundled.name, image: await openBundledImage(bundled), kind: "bundled" };
  return fileGuest(spec, await openImageFile(spec, { includePath }));
}

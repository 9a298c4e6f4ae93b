/**
 * Guest arguments resolved synchronously, for callers that cannot wait (a host's vm-create,
 * an experiment's plan): the assembler is loaded with this module. The rules are
 * open-guest.ts's, whose `openGuest` the commands that boot use.
 */
import { bundledImage } from "./monitor/bundled-images.js";
import { readImageFile } from "../isa/sources.js";
import { bundledGuestOf, fileGuest, type ResolvedGuest } from "./open-guest.js";

export { isGuestPath, PROGRAM_START_SYMBOL, type GuestKind, type ResolvedGuest } from "./open-guest.js";

/** Resolves a guest argument; `where` prefixes error messages (e.g. a spec file's field). */
export function resolveGuest(spec: string, where?: string, includePath: string[] = []): ResolvedGuest {
  const bundled = bundledGuestOf(spec, where);
  if (bundled) return { name: bundled.name, image: bundledImage(bundled), kind: "bundled" };
  return fileGuest(spec, readImageFile(spec, { includePath }));
}

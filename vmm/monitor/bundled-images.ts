/**
 * The bundled guests' images with the assembler at hand: assembled when no fresh prebuilt
 * image exists, and prebuilt by `npm run build`. Importing this module loads the assembler;
 * booting uses bundled.ts's `openBundledImage`, which loads it only when it must assemble.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { encodeImage } from "../../isa/image/format.js";
import type { GuestImage } from "../../isa/image/model.js";
import { assembleFile } from "../../isa/sources.js";
import { guestOsRoot, listBundledGuests, prebuiltImage, prebuiltPaths, type BundledGuest } from "./bundled.js";

/** A bundled guest's image: the prebuilt one while it is fresh (see prebuiltImage), else assembled now. */
export function bundledImage(guest: BundledGuest): GuestImage {
  return prebuiltImage(guest) ?? assembleFile(guest.kernel).image;
}

/** Assembles every bundled guest into dist/guest-os/ (part of `npm run build`). */
export function prebuildBundledImages(root = guestOsRoot()): string[] {
  return listBundledGuests(root).map((guest) => {
    const paths = prebuiltPaths(guest);
    const assembled = assembleFile(guest.kernel);
    mkdirSync(dirname(paths.image), { recursive: true });
    writeFileSync(paths.image, encodeImage(assembled.image, paths.image));
    writeFileSync(paths.sources, JSON.stringify(assembled.sources.map((source) => resolve(source))));
    return paths.image;
  });
}

/**
 * Where the built page lives: `dist/web/` (written by `npm run build`, shipped in the package,
 * never fetched). From dist/ this file is dist/vmm/host/http/; from the sources (tests) it is
 * vmm/host/http/ beside dist/.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../../../isa/errors.js";

export function webRoot(): string {
  const top = fileURLToPath(new URL("../../../", import.meta.url));
  return join(basename(top) === "dist" ? top : join(top, "dist"), "web");
}

/** The built page's folder, or a one-line error naming the flag that wanted it. */
export function builtWebRoot(flag: string): string {
  const root = webRoot();
  if (!existsSync(join(root, "index.html")))
    throw new UserError(
      `${flag}: the web view is not built (${join(root, "index.html")} is missing); run npm run build`,
    );
  return root;
}

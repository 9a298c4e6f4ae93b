/** Sessions on the bundled programs and guests, and a fingerprint of a guest's whole state. */
import { createHash } from "node:crypto";
import { readImageFile } from "../../isa/sources.js";
import { openMachines, openProgram } from "../../vmm/debug/open.js";
import type { Reply, Session } from "../../vmm/debug/session.js";
import type { Target } from "../../vmm/debug/target.js";
import { resolveGuest } from "../../vmm/guests.js";

export const program = (
  path: string,
  { input, ...options }: { args?: string; input?: string; interval?: number } = {},
) =>
  openProgram(readImageFile(path, { includePath: [] }), {
    name: path,
    ...options,
    ...(input !== undefined ? { input: new TextEncoder().encode(input) } : {}),
  });

export const guest = (name: string, options: { bare?: boolean; interval?: number; bootArgs?: string } = {}) => {
  const g = resolveGuest(name);
  return openMachines([{ name: g.name, image: g.image, bootArgs: options.bootArgs ?? "" }], options);
};

/** Runs commands; fails on the first error. Returns the last reply. */
export function run(session: Session, ...commands: string[]): Reply {
  let reply: Reply | undefined;
  for (const command of commands) {
    reply = session.execute(command);
    if (reply.error !== undefined) throw new Error(`${command}: ${reply.error}`);
  }
  return reply!;
}

/** Everything a guest is: its saved state (TLB included) and a hash of its memory. */
export function fingerprint(target: Target): string {
  const memory = createHash("sha256").update(target.memory.bytes).digest("hex");
  return JSON.stringify({ state: target.save(), memory });
}

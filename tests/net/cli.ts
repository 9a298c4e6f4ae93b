/** Test helper: runs the toyvmm command line in this process and collects its output. */
import { runCli } from "../../vmm/cli/main.js";

export async function toyvmm(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const text = (c: string | Uint8Array) => (typeof c === "string" ? c : Buffer.from(c).toString("latin1"));
  const code = await runCli(argv, { stdout: { write: (c) => out.push(text(c)) }, stderr: { write: (c) => err.push(text(c)) } });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

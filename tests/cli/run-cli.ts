/** Runs the toyvmm program in-process with captured stdout, stderr and optional stdin. */
import { Readable } from "node:stream";
import { runCli } from "../../vmm/cli/main.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function toyvmm(argv: string[], stdin?: string | Uint8Array): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const bytes = (chunk: string | Uint8Array) => (typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  const code = await runCli(argv, {
    stdout: { write: (chunk) => out.push(bytes(chunk)) },
    stderr: { write: (chunk) => err.push(bytes(chunk)) },
    ...(stdin !== undefined ? { stdin: Readable.from([Buffer.from(stdin)]) } : {}),
  });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** The single line of a one-line message, failing the test when there are more. */
export function singleLine(text: string): string {
  if (!text.endsWith("\n") || text.slice(0, -1).includes("\n")) throw new Error(`expected one line, got ${JSON.stringify(text)}`);
  return text.slice(0, -1);
}

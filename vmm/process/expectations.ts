/**
 * The machine-readable header of a program in programs/: comment lines that say how to run it
 * and what it must print, so a test can run every program without knowing it.
 *
 *   ; args: n=20                   boot arguments (one line)
 *   ; input: abc\n                 standard input; several lines are concatenated
 *   ; expect-stdout: fib(20) = 6765\n
 *   ; expect-stdout: done\n        several lines are concatenated
 *   ; expect-stderr: …             (optional; stderr is not checked without it)
 *   ; expect-exit: 0
 *
 * Values are taken exactly after ": " with the escapes \n \t \r \0 \\ \xNN, so trailing
 * spaces are written \x20.
 */
import { UserError } from "../../isa/errors.js";

export interface ProgramExpectations {
  args: string;
  input: string;
  stdout?: string;
  stderr?: string;
  exit?: number;
}

const HEADER_LINE = /^\s*[;#]\s*(args|input|expect-stdout|expect-stderr|expect-exit):(?: (.*))?$/;

/** Reads the header lines of `source` (the text of `file`, for messages). */
export function readExpectations(source: string, file = "program"): ProgramExpectations {
  const found: ProgramExpectations = { args: "", input: "" };
  source.split("\n").forEach((text, index) => {
    const match = HEADER_LINE.exec(text.replace(/\r$/, ""));
    if (!match) return;
    const where = `${file}:${index + 1}`;
    const value = unescape(match[2] ?? "", where);
    switch (match[1]) {
      case "args":
        found.args = value;
        break;
      case "input":
        found.input += value;
        break;
      case "expect-stdout":
        found.stdout = (found.stdout ?? "") + value;
        break;
      case "expect-stderr":
        found.stderr = (found.stderr ?? "") + value;
        break;
      case "expect-exit":
        if (!/^-?\d+$/.test(value.trim())) throw new UserError(`${where}: error: expect-exit needs an integer, not '${value}'`);
        found.exit = Number(value.trim());
        break;
    }
  });
  return found;
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0", "\\": "\\" };

function unescape(text: string, where: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|.|$)/g, (whole, code: string) => {
    if (code.startsWith("x") && code.length === 3) return String.fromCharCode(parseInt(code.slice(1), 16));
    const plain = ESCAPES[code];
    if (plain === undefined) throw new UserError(`${where}: error: unknown escape '${whole}' in a header value`);
    return plain;
  });
}

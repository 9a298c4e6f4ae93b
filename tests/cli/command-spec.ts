/**
 * What a command's builder declares, read without parsing anything: its examples, the
 * descriptions of its options and positionals, and its epilogue. The builder is called on a
 * stand-in that records those calls and answers every other one with itself.
 */
import { COMMANDS } from "../../vmm/cli/main.js";

export interface CommandSpec {
  name: string;
  examples: string[];
  texts: string[];
}

export async function commandSpecs(): Promise<CommandSpec[]> {
  const specs: CommandSpec[] = [];
  for (const entry of COMMANDS) {
    const command = await entry.load();
    const spec: CommandSpec = { name: entry.name, examples: [], texts: [String(command.describe ?? "")] };
    const recorder: object = new Proxy(
      {},
      {
        get: (_target, method) => (...args: unknown[]) => {
          if (method === "example") spec.examples.push(String(args[0]).replace(/\$0/g, "toyvmm"));
          if (method === "epilogue" || method === "epilog") spec.texts.push(String(args[0]));
          if (method === "option" || method === "positional") spec.texts.push(describeOf(args[1]));
          if (method === "options") for (const o of Object.values(args[0] as object)) spec.texts.push(describeOf(o));
          return recorder;
        },
      },
    );
    if (typeof command.builder === "function") (command.builder as (y: object) => unknown)(recorder);
    specs.push(spec);
  }
  return specs;
}

const describeOf = (option: unknown): string => String((option as { describe?: string } | undefined)?.describe ?? "");

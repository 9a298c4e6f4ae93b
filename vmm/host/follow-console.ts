/**
 * A VM's console seen from a client: what the host keeps of it, then (when following) the live
 * output until the VM ends or leaves, with console input sent from a stream on the way. Ends
 * are told by data, not by the order answers and events come in: the client has everything once
 * it has seen the VM's end and the console up to the offset that end names.
 */
import { UserError } from "../../isa/errors.js";
import type { ControlClient } from "./client.js";
import type { AnswerOf } from "./protocol-commands.js";
import type { Outcome } from "../outcome.js";

/** Where the text goes, and how missed output is told. */
export interface ConsoleSink {
  write(text: string): void;
  /** `bytes` of output are gone: before the first one kept, or missed by falling behind. */
  missed(bytes: number): void;
  /** The host refused console input (a program's is fixed at its start); no more is sent. */
  inputRefused(reason: string): void;
}

export type ConsoleEnd =
  | { kind: "ended"; outcome: Outcome; exitStatus: number; description: string }
  /** The VM left the host (destroyed, or saved and stopped) while being watched. */
  | { kind: "gone" }
  /** The VM migrated to another host while being watched: its console goes on there. */
  | { kind: "migrated" }
  /** Not following, and the VM still runs. */
  | { kind: "running" };

/** Pieces of console input sent at once (the most one request may carry is more). */
const INPUT_PIECE = 16 * 1024;
/** How long to wait before sending input the host had no room for. */
const INPUT_RETRY_MS = 50;

function endingOf(status: AnswerOf<"query-status">): ConsoleEnd {
  if (status.outcome === null) return { kind: "running" };
  return { kind: "ended", outcome: status.outcome, exitStatus: status.exitStatus!, description: status.description! };
}

/** Writes what the host keeps of the console; says how the VM stands. */
export async function readConsole(client: ControlClient, vm: string, sink: ConsoleSink): Promise<ConsoleEnd> {
  let offset = 0;
  for (;;) {
    const read = await client.call("console-read", { vm, offset });
    if (read.dropped > 0) sink.missed(read.dropped);
    if (read.text) sink.write(read.text);
    offset = read.next;
    if (read.next >= read.end || read.next === read.offset) break;
  }
  return endingOf(await client.call("query-status", { vm }));
}

/** Writes the console from its first kept byte and follows it until the VM ends or leaves. */
export async function followConsole(client: ControlClient, vm: string, sink: ConsoleSink, input?: NodeJS.ReadableStream): Promise<ConsoleEnd> {
  let resolveEnd!: (end: ConsoleEnd) => void;
  let rejectEnd!: (error: Error) => void;
  const done = new Promise<ConsoleEnd>((resolve, reject) => ((resolveEnd = resolve), (rejectEnd = reject)));
  let seen = 0;
  // A VM that leaves while its migration runs has moved on, not stopped.
  let migrating = false;
  let ending: { end: ConsoleEnd; consoleEnd: number } | null = null;
  const check = () => {
    if (ending && seen >= ending.consoleEnd) resolveEnd(ending.end);
  };
  const unlisten = client.onEvent((event) => {
    if (event.data.vm !== vm) return;
    if (event.event === "CONSOLE_OUTPUT") {
      if (event.data.dropped > 0) sink.missed(event.data.dropped);
      sink.write(event.data.text);
      seen = event.data.next;
    } else if (event.event === "VM_HALTED") {
      const { outcome, exitStatus, description, consoleEnd } = event.data;
      ending = { end: { kind: "ended", outcome, exitStatus, description }, consoleEnd };
    } else if (event.event === "MIGRATION" && event.data.direction === "outgoing") {
      migrating = !["completed", "failed", "cancelled"].includes(event.data.status);
    } else if (event.event === "VM_DESTROYED") {
      resolveEnd({ kind: migrating ? "migrated" : "gone" });
    }
    check();
  });
  void client.ended.then(() => rejectEnd(new UserError(`the host at ${client.where} closed the connection`)));
  // Awaited below once following has started; a refused start leaves no one to tell.
  done.catch(() => {});
  const stopInput = input ? sendInput(client, vm, input, sink) : () => {};
  try {
    const status = await client.call("query-status", { vm });
    await client.call("console-follow", { vm, offset: 0 });
    const known = endingOf(status);
    if (known.kind === "ended") ending ??= { end: known, consoleEnd: status.console.written };
    check();
    return await done;
  } finally {
    unlisten();
    stopInput();
  }
}

/** Sends what `input` gives as console input, in order, waiting while the host's queue is full; returns the way to stop. */
function sendInput(client: ControlClient, vm: string, input: NodeJS.ReadableStream, sink: ConsoleSink): () => void {
  const decoder = new TextDecoder();
  let queue = "";
  let sending = false;
  let stopped = false;
  const send = async () => {
    if (sending) return;
    sending = true;
    try {
      while (queue && !stopped) {
        const piece = queue.slice(0, INPUT_PIECE);
        const { accepted } = await client.call("console-input", { vm, text: piece });
        queue = Buffer.from(piece).subarray(accepted).toString() + queue.slice(piece.length);
        if (accepted === 0) await new Promise((resume) => setTimeout(resume, INPUT_RETRY_MS));
      }
    } catch (error) {
      stopped = true;
      sink.inputRefused(error instanceof Error ? error.message : String(error));
    } finally {
      sending = false;
    }
  };
  const onData = (chunk: Buffer | string) => {
    if (stopped) return;
    queue += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    void send();
  };
  input.on("data", onData);
  return () => {
    stopped = true;
    input.off("data", onData);
    // Paused, a terminal or a pipe that stays open does not keep the program from ending.
    input.pause();
  };
}

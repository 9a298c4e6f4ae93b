/**
 * What each command of the protocol does, one handler per command of protocol-commands.ts,
 * typed from its schemas: a handler gets arguments already checked and returns what the
 * command's `returns` schema describes. A handler fails by throwing: a CommandError with its
 * class, or a UserError (a file, an image) that becomes a GenericError.
 */
import { isAbsolute } from "node:path";
import { crc32 } from "../../isa/crc32.js";
import { completeUtf8Length } from "./console-ring.js";
import type { Host } from "./host.js";
import { INPUT_QUEUE_MAX } from "./input-queue.js";
import { MIGRATE_HANDLERS } from "./migrate-commands.js";
import { CommandError } from "./protocol.js";
import { COMMAND_NAMES, COMMANDS, type ArgumentsOf, type CommandName, type ReturnOf } from "./protocol-commands.js";

/** What a handler may do to the connection it was asked on. */
export interface SessionControl {
  /** Checks a token; a wrong one fails the request and closes the connection. */
  authenticate(token: string): void;
  /** Starts or stops console events of a VM; returns where they start. */
  follow(vm: string, follow: boolean, offset: number | undefined): number;
}

export type Handler<N extends CommandName> = (host: Host, args: ArgumentsOf<N>, session: SessionControl) => ReturnOf<N>;

/** A file named in a request: absolute, since the host's working directory is not the client's. */
function absolute(command: CommandName, file: string): string {
  if (!isAbsolute(file)) throw new CommandError("InvalidArguments", `${command}: file ${JSON.stringify(file)} is not an absolute path (the host's working directory is not the client's)`);
  return file;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

export const HANDLERS: { [N in CommandName]: Handler<N> } = {
  "query-commands": () => COMMAND_NAMES.map((name) => ({ name, doc: COMMANDS[name].doc })),
  authenticate: (_host, { token }, session) => {
    session.authenticate(token);
    return {};
  },
  "vm-create": (host, args) => host.create(args).summary(),
  "query-vms": (host) => host.list().map((vm) => vm.summary()),
  "query-status": (host, { vm: name }) => {
    const vm = host.find(name);
    const ending = vm.ending();
    return {
      ...vm.summary(),
      bootArgs: vm.guest.bootArgs,
      outcome: ending?.outcome ?? null,
      exitStatus: ending?.exitStatus ?? null,
      description: ending?.description ?? null,
      console: { written: vm.console.end, kept: vm.console.end - vm.console.start, dropped: vm.console.start, inputPending: vm.inputPending },
      stats: vm.guest.stats() as ReturnOf<"query-status">["stats"],
      memoryCrc: crc32(vm.guest.vm.memory.bytes),
      network: host.network.info(host.network.vmPort(name)),
    };
  },
  "query-network": (host) => ({ listen: host.network.listenAddress, ports: host.network.list(), queueDrops: host.network.queueDrops }),
  "vm-pause": (host, { vm }) => {
    host.checkUnlocked(vm, "vm-pause");
    return host.pause(vm).summary();
  },
  "vm-resume": (host, { vm }) => {
    host.checkUnlocked(vm, "vm-resume");
    return host.resume(vm).summary();
  },
  "vm-destroy": (host, { vm }) => {
    host.checkUnlocked(vm, "vm-destroy");
    host.destroy(vm);
    return {};
  },
  "console-read": (host, { vm: name, offset, max }) => {
    const vm = host.find(name);
    const slice = vm.console.read(offset, max);
    const ended = vm.state === "ended";
    // While more may come, a character cut at the end waits for the next read.
    const length = ended && slice.offset + slice.bytes.length === vm.console.end ? slice.bytes.length : completeUtf8Length(slice.bytes);
    return {
      text: text.decode(slice.bytes.subarray(0, length)),
      offset: slice.offset,
      next: slice.offset + length,
      dropped: slice.dropped,
      end: vm.console.end,
      ended,
    };
  },
  "console-input": (host, { vm: name, text: input }) => {
    const bytes = utf8.encode(input);
    const room = INPUT_QUEUE_MAX - host.find(name).inputPending;
    // Whole characters only, so that a client can send the rest of its text as text.
    const fits = bytes.length <= room ? bytes : bytes.subarray(0, completeUtf8Length(bytes.subarray(0, room)));
    const accepted = host.feed(name, fits);
    return { accepted, pending: host.find(name).inputPending };
  },
  "console-follow": (_host, { vm, follow, offset }, session) => ({ offset: session.follow(vm, follow, offset) }),
  "vm-save": (host, { vm, file, stop, overwrite }) => {
    if (stop) host.checkUnlocked(vm, "vm-save");
    return { file, ...host.save(vm, absolute("vm-save", file), { stop, overwrite }) };
  },
  "vm-restore": (host, { file, name, paused }) => host.restore(absolute("vm-restore", file), { paused, ...(name !== undefined ? { name } : {}) }).summary(),
  ...MIGRATE_HANDLERS,
  quit: (host) => {
    host.quit();
    return {};
  },
};

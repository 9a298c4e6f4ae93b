/**
 * Snapshots: a VM saved to a file as a stop-and-copy migration stream would carry it — the
 * prologue, a setup frame, every page (runs of zero pages as one marker), the state and a
 * completion frame with the CRC-32 of all memory — so that a snapshot is a migration whose link
 * is a file, and one format and one set of checks serve both.
 *
 * Reading one trusts nothing in it, as a migration's destination does: each frame is decoded
 * and checked, the setup against the stream's own schema, its config and the state against the
 * VM's (the migration's VmHost for machines and processes), every page must be there and the
 * memory's CRC must match, all before a VM is built.
 */
import { PAGE_SIZE } from "../../isa/arch.js";
import { crc32 } from "../../isa/crc32.js";
import { Memory } from "../../isa/memory.js";
import { problemOf } from "../../isa/schema.js";
import { MACHINE_HOST } from "../migration/machine-vm.js";
import { PROCESS_HOST } from "../migration/process-vm.js";
import { isZeroPage } from "../migration/pages.js";
import { checkPrologue, decodeFrame, encodeStream, frameLength, streamError } from "../migration/stream/codec.js";
import { FRAME_HEADER_SIZE, PROLOGUE_SIZE, STRATEGIES, STREAM_VERSION, type Frame } from "../migration/stream/frames.js";
import { setupFrameSchema } from "../migration/stream/setup-schema.js";
import type { MigratableVm, VmHost } from "../migration/vm-port.js";

/** Stream versions a snapshot may be written in: version 5 only added a frame (`pages`), which a reader of it takes too. */
const SNAPSHOT_VERSIONS = [4, STREAM_VERSION];

/** The bytes of a snapshot of `vm`, as it is now. */
export function encodeSnapshot(vm: MigratableVm): Uint8Array {
  const memory = vm.memory;
  const frames: Frame[] = [
    {
      type: "setup",
      name: vm.name,
      memorySize: memory.size,
      pageSize: PAGE_SIZE,
      strategy: STRATEGIES.indexOf("stop-copy"),
      config: JSON.stringify(vm.config() ?? null),
    },
  ];
  for (let page = 0; page < memory.pageCount; ) {
    let count = 0;
    while (page + count < memory.pageCount && isZeroPage(memory, page + count)) count++;
    if (count > 0) {
      frames.push({ type: "zero", first: page, count, round: 0 });
      page += count;
    } else {
      frames.push({ type: "page", index: page, round: 0, data: memory.page(page) });
      page++;
    }
  }
  frames.push({ type: "state", json: JSON.stringify(vm.save()) });
  frames.push({ type: "complete", pages: memory.pageCount, checkMemory: 1, memoryCrc: crc32(memory.bytes) });
  return encodeStream(frames);
}

/** Which host rebuilds a VM of the config's kind. */
function hostFor(config: unknown): VmHost {
  return (config as { kind?: unknown } | null)?.kind === "process" ? PROCESS_HOST : MACHINE_HOST;
}

/** What `JSON.parse` gives, or undefined for text that is not JSON (the parser's words stay out of messages). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The VM a snapshot holds; any problem is one UserError line naming the frame and the field. */
export function decodeSnapshot(bytes: Uint8Array): MigratableVm {
  checkPrologue(bytes, SNAPSHOT_VERSIONS);
  let memory: Memory | null = null;
  let host: VmHost | null = null;
  let setup: { name: string; config: unknown } | null = null;
  let state: unknown;
  let arrived: Uint8Array | null = null;
  let at = PROLOGUE_SIZE;
  for (let index = 0; ; index++) {
    if (at >= bytes.length) throw streamError(`ends after frame ${index - 1} without a completion frame`);
    const end = bytes.length - at < FRAME_HEADER_SIZE ? bytes.length : Math.min(bytes.length, at + frameLength(bytes, at));
    const frame = decodeFrame(bytes.subarray(at, end), index);
    at = end;
    const fail = (problem: string): never => {
      throw streamError(`frame ${index} (${frame.type}): ${problem}`);
    };
    if (frame.type !== "setup" && !memory) fail("arrived before the setup frame");
    switch (frame.type) {
      case "setup": {
        if (memory) fail("a second setup frame");
        const fields = problemOf(setupFrameSchema, frame);
        if (fields) fail(fields);
        const config = parseJson(frame.config);
        if (config === undefined) fail("config: not valid JSON");
        host = hostFor(config);
        const problem = host.checkConfig(config, frame.memorySize);
        if (problem) fail(problem);
        setup = { name: frame.name, config };
        memory = new Memory(frame.memorySize);
        arrived = new Uint8Array(memory.pageCount);
        break;
      }
      case "page":
      case "zero": {
        const first = frame.type === "page" ? frame.index : frame.first;
        const count = frame.type === "page" ? 1 : frame.count;
        const pages = memory!.pageCount;
        if (count < 1 || first >= pages || count > pages - first) fail(`pages ${first}..${first + count - 1} are outside memory (${pages} pages)`);
        for (let page = first; page < first + count; page++) {
          memory!.fillPage(page, frame.type === "page" ? frame.data : null);
          arrived![page] = 1;
        }
        break;
      }
      case "pages": {
        const count = frame.data.length / PAGE_SIZE;
        const pages = memory!.pageCount;
        if (!Number.isInteger(count) || count < 1) fail(`carries ${frame.data.length} bytes, not a whole number of pages`);
        if (frame.first >= pages || count > pages - frame.first) fail(`pages ${frame.first}..${frame.first + count - 1} are outside memory (${pages} pages)`);
        memory!.fillPages(frame.first, frame.data);
        arrived!.fill(1, frame.first, frame.first + count);
        break;
      }
      case "round":
        break;
      case "state": {
        if (state !== undefined) fail("a second state frame");
        state = parseJson(frame.json);
        if (state === undefined) fail("not valid JSON");
        const problem = host!.checkState(setup!.config, state, memory!.size);
        if (problem) fail(problem);
        break;
      }
      case "complete": {
        if (state === undefined) fail("arrived before the state frame");
        const missing = arrived!.indexOf(0);
        if (missing >= 0) fail(`page ${missing} is not in the snapshot`);
        const crc = crc32(memory!.bytes);
        if (frame.checkMemory && crc !== frame.memoryCrc) fail(`memory checksum mismatch (snapshot 0x${frame.memoryCrc.toString(16)}, pages 0x${crc.toString(16)})`);
        if (at !== bytes.length) throw streamError(`${bytes.length - at} bytes after the completion frame`);
        try {
          return host!.restore(setup!.name, setup!.config, state, memory!);
        } catch (error) {
          return fail(`cannot restore the VM: ${(error as Error).message}`);
        }
      }
      default:
        fail("is a return-path frame, not part of a snapshot");
    }
  }
}

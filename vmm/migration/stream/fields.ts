/**
 * Migration frame payloads described once, as field tables: the binary-parser Parser that
 * reads a payload and the DataView writer that produces it are both built from the table, and
 * `payloadSize` measures a payload so the decoder can check the bytes are there before parsing.
 * Integers are little-endian and unsigned.
 */
import { Parser } from "binary-parser";
import { PAGE_SIZE } from "../../../isa/arch.js";

/** u8/u16/u32 integers; `text` a u32 byte length + UTF-8; `bytes` a u32 length + raw bytes; `page` PAGE_SIZE raw bytes. */
export type FieldType = "u8" | "u16" | "u32" | "text" | "bytes" | "page";

export interface Field {
  readonly key: string;
  readonly type: FieldType;
}

type FieldValue<T extends FieldType> = T extends "text" ? string : T extends "bytes" | "page" ? Uint8Array : number;
export type RecordOf<F extends readonly Field[]> = { [E in F[number] as E["key"]]: FieldValue<E["type"]> };

const FIXED: Record<"u8" | "u16" | "u32" | "page", number> = { u8: 1, u16: 2, u32: 4, page: PAGE_SIZE };
const LENGTH_PREFIX = 4;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function buildParser(fields: readonly Field[]): Parser {
  let parser = new Parser().endianness("little");
  for (const { key, type } of fields) {
    if (type === "u8") parser = parser.uint8(key);
    else if (type === "u16") parser = parser.uint16(key);
    else if (type === "u32") parser = parser.uint32(key);
    else if (type === "page") parser = parser.buffer(key, { length: PAGE_SIZE });
    else parser = parser.uint32(`${key}$length`).buffer(key, { length: `${key}$length` });
  }
  return parser;
}

/**
 * Bytes the payload at `bytes` needs according to its own length prefixes, as far as they are
 * present: `answer > bytes.length` means truncated.
 */
export function payloadSize(fields: readonly Field[], bytes: Uint8Array): number {
  let size = 0;
  for (const { type } of fields) {
    if (type !== "text" && type !== "bytes") {
      size += FIXED[type];
      continue;
    }
    const at = size;
    size += LENGTH_PREFIX;
    if (at + LENGTH_PREFIX > bytes.length) return size;
    size += (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
  }
  return size;
}

/** Reads a payload that `payloadSize` has vouched for; a text that is not UTF-8 gives `badText`. */
export function readPayload<F extends readonly Field[]>(
  parser: Parser,
  fields: F,
  bytes: Uint8Array,
): { record: RecordOf<F> } | { badText: string } {
  const raw = parser.parse(bytes) as Record<string, unknown>;
  const record: Record<string, unknown> = {};
  for (const { key, type } of fields) {
    const value = raw[key];
    if (type === "text") {
      try {
        record[key] = strictUtf8.decode(value as Uint8Array);
      } catch {
        return { badText: key };
      }
    } else if (type === "bytes" || type === "page") {
      record[key] = new Uint8Array(value as Uint8Array); // a copy, never a view into the stream
    } else {
      record[key] = value;
    }
  }
  return { record: record as RecordOf<F> };
}

/** The payload's bytes. */
export function writePayload<F extends readonly Field[]>(fields: F, record: RecordOf<F>): Uint8Array {
  const values = record as Record<string, unknown>;
  const encoded = new Map<string, Uint8Array>();
  let size = 0;
  for (const { key, type } of fields) {
    if (type === "text" || type === "bytes") {
      const data = type === "text" ? utf8.encode(values[key] as string) : (values[key] as Uint8Array);
      encoded.set(key, data);
      size += LENGTH_PREFIX + data.length;
    } else {
      size += FIXED[type];
    }
  }
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const { key, type } of fields) {
    const value = values[key];
    switch (type) {
      case "u8":
        view.setUint8(at, value as number);
        at += 1;
        break;
      case "u16":
        view.setUint16(at, value as number, true);
        at += 2;
        break;
      case "u32":
        view.setUint32(at, value as number, true);
        at += 4;
        break;
      case "page": {
        const page = value as Uint8Array;
        if (page.length !== PAGE_SIZE) throw new RangeError(`page field ${key} must be ${PAGE_SIZE} bytes`);
        bytes.set(page, at);
        at += PAGE_SIZE;
        break;
      }
      default: {
        const data = encoded.get(key)!;
        view.setUint32(at, data.length, true);
        bytes.set(data, at + LENGTH_PREFIX);
        at += LENGTH_PREFIX + data.length;
      }
    }
  }
  return bytes;
}

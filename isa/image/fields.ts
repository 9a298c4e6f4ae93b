/**
 * Binary records described once, as a table of fields, and read and written from that table:
 * the reader is a binary-parser Parser built from it, the writer a DataView loop beside it, and
 * `recordNeeds` measures a record (names have variable length) so that callers can check the
 * bytes are there before parsing. All integers are little-endian and unsigned.
 */
import { Parser } from "binary-parser";

export type FieldType = "magic8" | "u16" | "u32" | "name";

export interface Field {
  readonly key: string;
  readonly type: FieldType;
}

type FieldValue<T extends FieldType> = T extends "name" ? string : T extends "magic8" ? Uint8Array : number;

/** The object a record's fields read into and write from. */
export type RecordOf<F extends readonly Field[]> = { [E in F[number] as E["key"]]: FieldValue<E["type"]> };

/** Bytes of each fixed-size type; a name is a u16 byte length followed by that many UTF-8 bytes. */
const FIXED_SIZE: Record<Exclude<FieldType, "name">, number> = { magic8: 8, u16: 2, u32: 4 };
const NAME_LENGTH_SIZE = 2;
export const MAX_NAME_BYTES = 0xffff;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A binary-parser Parser for the record; names come out as raw bytes (see `readRecord`). */
export function buildParser(fields: readonly Field[]): Parser {
  let parser = new Parser().endianness("little");
  for (const { key, type } of fields) {
    switch (type) {
      case "magic8":
        parser = parser.buffer(key, { length: 8 });
        break;
      case "u16":
        parser = parser.uint16(key);
        break;
      case "u32":
        parser = parser.uint32(key);
        break;
      case "name":
        parser = parser.uint16(`${key}$length`).buffer(key, { length: `${key}$length` });
        break;
    }
  }
  return parser;
}

/**
 * How many bytes the record at `offset` occupies, as far as `bytes` lets us tell: when a
 * name's length prefix is itself missing, the answer counts up to and including that prefix,
 * so `offset + answer > bytes.length` always means "truncated".
 */
export function recordNeeds(fields: readonly Field[], bytes: Uint8Array, offset: number): number {
  let size = 0;
  for (const { type } of fields) {
    if (type !== "name") {
      size += FIXED_SIZE[type];
      continue;
    }
    const at = offset + size;
    size += NAME_LENGTH_SIZE;
    if (at + NAME_LENGTH_SIZE > bytes.length) return size;
    size += bytes[at]! | (bytes[at + 1]! << 8);
  }
  return size;
}

/** Fixed size of a record without names (the smallest it can be). */
export function minimumSize(fields: readonly Field[]): number {
  return fields.reduce((sum, { type }) => sum + (type === "name" ? NAME_LENGTH_SIZE : FIXED_SIZE[type]), 0);
}

/**
 * Reads one record. The caller has checked with `recordNeeds` that it lies inside `bytes`.
 * Returns null in place of the record when a name is not valid UTF-8 (with the field's key).
 */
export function readRecord<F extends readonly Field[]>(
  parser: Parser,
  fields: F,
  bytes: Uint8Array,
  offset: number,
): { record: RecordOf<F> } | { badName: string } {
  const raw = parser.parse(bytes.subarray(offset)) as Record<string, unknown>;
  const record: Record<string, unknown> = {};
  for (const { key, type } of fields) {
    const value = raw[key];
    if (type === "name") {
      try {
        record[key] = strictUtf8.decode(value as Uint8Array);
      } catch {
        return { badName: key };
      }
    } else if (type === "magic8") {
      record[key] = new Uint8Array(value as Uint8Array);
    } else {
      record[key] = value;
    }
  }
  return { record: record as RecordOf<F> };
}

/** The UTF-8 bytes of a name, or null when the name cannot be stored exactly. */
export function encodeName(name: string): Uint8Array | null {
  const bytes = utf8.encode(name);
  if (bytes.length > MAX_NAME_BYTES || strictUtf8.decode(bytes) !== name) return null;
  return bytes;
}

/** Size of a record once written (names must have passed `encodeName`). */
export function encodedSize(fields: readonly Field[], record: Record<string, unknown>): number {
  let size = 0;
  for (const { key, type } of fields) {
    size += type === "name" ? NAME_LENGTH_SIZE + utf8.encode(record[key] as string).length : FIXED_SIZE[type];
  }
  return size;
}

/** Writes the record at `offset`; returns the offset after it. */
export function writeRecord<F extends readonly Field[]>(
  fields: F,
  record: RecordOf<F>,
  bytes: Uint8Array,
  offset: number,
): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = record as Record<string, unknown>;
  for (const { key, type } of fields) {
    const value = values[key];
    switch (type) {
      case "magic8":
        bytes.set(value as Uint8Array, offset);
        offset += 8;
        break;
      case "u16":
        view.setUint16(offset, value as number, true);
        offset += 2;
        break;
      case "u32":
        view.setUint32(offset, value as number, true);
        offset += 4;
        break;
      case "name": {
        const name = utf8.encode(value as string);
        view.setUint16(offset, name.length, true);
        bytes.set(name, offset + NAME_LENGTH_SIZE);
        offset += NAME_LENGTH_SIZE + name.length;
        break;
      }
    }
  }
  return offset;
}

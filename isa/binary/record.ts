/**
 * Binary records described once, as a table of fields, and read and written from that table:
 * the reader is a binary-parser Parser built from it, the writer a DataView loop beside it.
 * Reading measures the record first (length prefixes included), so input that ends too early
 * is a one-line UserError naming the source, the record and the field, never a RangeError.
 *
 * Field kinds (integers little-endian and unsigned):
 *   u8, u16, u32                         a number
 *   bytes, length N                      exactly N raw bytes
 *   bytes, length "u16" | "u32"          that length prefix, then as many raw bytes
 *   text,  length "u16" | "u32"          that length prefix, then as many bytes of UTF-8
 */
import { Parser } from "binary-parser";
import { UserError } from "../errors.js";

export type IntType = "u8" | "u16" | "u32";
/** The integer a variable-length field starts with, giving its byte count. */
export type LengthPrefix = "u16" | "u32";

export type Field =
  | { readonly key: string; readonly type: IntType }
  | { readonly key: string; readonly type: "bytes"; readonly length: number | LengthPrefix }
  | { readonly key: string; readonly type: "text"; readonly length: LengthPrefix };

type ValueOf<E extends Field> = E["type"] extends "text" ? string : E["type"] extends "bytes" ? Uint8Array : number;
/** The object a record's fields read into and write from. */
export type RecordOf<F extends readonly Field[]> = { [E in F[number] as E["key"]]: ValueOf<E> };

export interface RecordFormat<F extends readonly Field[]> {
  readonly fields: F;
  /** Reads the fields in order; variable-length contents come out as raw bytes (see `readRecord`). */
  readonly parser: Parser;
  /** Bytes the record takes when every variable-length field is empty (its size, if there are none). */
  readonly minimumSize: number;
}

/** Names a record for messages: `source` is the file or stream (and place), `record` the record in it. */
export interface RecordPlace {
  readonly source: string;
  readonly record: string;
}

const INT_SIZE: Record<IntType, number> = { u8: 1, u16: 2, u32: 4 };
const PREFIX_MAX: Record<LengthPrefix, number> = { u16: 0xffff, u32: 0xffffffff };
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function recordFormat<const F extends readonly Field[]>(fields: F): RecordFormat<F> {
  let parser = new Parser().endianness("little");
  let minimumSize = 0;
  for (const field of fields) {
    const { key } = field;
    const prefix = prefixOf(field);
    if (prefix) parser = intParser(parser, prefix, `${key}$length`).buffer(key, { length: `${key}$length` });
    else if (field.type === "bytes") {
      // binary-parser cannot read a buffer of length 0, and such a field would say nothing.
      if (!(Number.isInteger(field.length) && (field.length as number) > 0)) throw new RangeError(`field ${key}: length ${field.length} is not a positive integer`);
      parser = parser.buffer(key, { length: field.length });
    }
    else parser = intParser(parser, field.type as IntType, key);
    minimumSize += prefix ? INT_SIZE[prefix] : fixedSize(field);
  }
  return { fields, parser, minimumSize };
}

/** The length prefix of a variable-length field; null for a field of fixed size. */
function prefixOf(field: Field): LengthPrefix | null {
  if (field.type === "text") return field.length;
  if (field.type === "bytes" && typeof field.length !== "number") return field.length;
  return null;
}

/** Size of a field that has no length prefix. */
function fixedSize(field: Field): number {
  return field.type === "bytes" ? (field.length as number) : INT_SIZE[field.type as IntType];
}

function intParser(parser: Parser, type: IntType, key: string): Parser {
  return type === "u8" ? parser.uint8(key) : type === "u16" ? parser.uint16(key) : parser.uint32(key);
}

function readUint(bytes: Uint8Array, at: number, type: LengthPrefix): number {
  const low = bytes[at]! | (bytes[at + 1]! << 8);
  return type === "u16" ? low : (low | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/**
 * The size of the record at `offset`, read from its length prefixes. Throws a UserError when
 * it does not fit in `bytes`: the message names the first field that is cut and counts the
 * bytes missing as far as the record tells (a length prefix that is itself cut counts alone).
 */
export function measureRecord(format: RecordFormat<readonly Field[]>, bytes: Uint8Array, offset: number, place: RecordPlace): number {
  let size = 0;
  let cut: string | null = null;
  for (const field of format.fields) {
    const at = offset + size;
    const prefix = prefixOf(field);
    if (!prefix) size += fixedSize(field);
    else {
      size += INT_SIZE[prefix];
      if (at + INT_SIZE[prefix] <= bytes.length) size += readUint(bytes, at, prefix);
    }
    if (cut === null && offset + size > bytes.length) cut = field.key;
  }
  if (cut !== null) {
    const missing = offset + size - bytes.length;
    throw new UserError(
      `${place.source}: truncated at byte ${bytes.length} (${place.record} needs ${missing} more bytes, starting in its ${cut})`,
    );
  }
  return size;
}

/** Reads the record at `offset` after measuring it; `end` is the offset after it. */
export function readRecord<F extends readonly Field[]>(
  format: RecordFormat<F>,
  bytes: Uint8Array,
  offset: number,
  place: RecordPlace,
): { record: RecordOf<F>; end: number } {
  const end = offset + measureRecord(format, bytes, offset, place);
  const raw = format.parser.parse(bytes.subarray(offset, end)) as Record<string, unknown>;
  const record: Record<string, unknown> = {};
  for (const { key, type } of format.fields) {
    const value = raw[key];
    if (type === "text") {
      try {
        record[key] = strictUtf8.decode(value as Uint8Array);
      } catch {
        throw new UserError(`${place.source}: ${place.record} has a ${key} that is not valid UTF-8`);
      }
    } else if (type === "bytes") {
      record[key] = new Uint8Array(value as Uint8Array); // a copy, never a view into the input
    } else {
      record[key] = value;
    }
  }
  return { record: record as RecordOf<F>, end };
}

/** Whether `text` survives a text field with this prefix exactly (fits, and is well-formed UTF-16). */
export function textFits(text: string, length: LengthPrefix): boolean {
  const bytes = utf8.encode(text);
  return bytes.length <= PREFIX_MAX[length] && strictUtf8.decode(bytes) === text;
}


/** Size of a record once written. */
export function recordSize<F extends readonly Field[]>(format: RecordFormat<F>, record: RecordOf<F>): number {
  const values = record as Record<string, unknown>;
  let size = format.minimumSize;
  for (const field of format.fields) {
    if (field.type === "text") size += utf8.encode(values[field.key] as string).length;
    else if (field.type === "bytes" && typeof field.length !== "number") size += (values[field.key] as Uint8Array).length;
  }
  return size;
}

/** Writes the record at `offset` (the caller has made room: see `recordSize`); returns the offset after it. */
export function writeRecord<F extends readonly Field[]>(format: RecordFormat<F>, record: RecordOf<F>, bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = record as Record<string, unknown>;
  let at = offset;
  for (const field of format.fields) {
    const value = values[field.key];
    const prefix = prefixOf(field);
    if (field.type !== "text" && field.type !== "bytes") {
      at = writeInt(view, at, field.type, value as number);
      continue;
    }
    // Contents that do not fit their field are a bug in the caller (validate before encoding).
    const data = field.type === "text" ? utf8.encode(value as string) : (value as Uint8Array);
    if (prefix) {
      if (data.length > PREFIX_MAX[prefix]) throw new RangeError(`field ${field.key}: ${data.length} bytes do not fit a ${prefix} length`);
      at = writeInt(view, at, prefix, data.length);
    } else if (data.length !== field.length) {
      throw new RangeError(`field ${field.key} must be ${field.length} bytes, not ${data.length}`);
    }
    bytes.set(data, at);
    at += data.length;
  }
  return at;
}

function writeInt(view: DataView, at: number, type: IntType, value: number): number {
  if (type === "u8") view.setUint8(at, value);
  else if (type === "u16") view.setUint16(at, value, true);
  else view.setUint32(at, value, true);
  return at + INT_SIZE[type];
}

/** The record's bytes on their own. */
export function encodeRecord<F extends readonly Field[]>(format: RecordFormat<F>, record: RecordOf<F>): Uint8Array {
  const bytes = new Uint8Array(recordSize(format, record));
  writeRecord(format, record, bytes, 0);
  return bytes;
}

/**
 * Source files as text. A UTF-8 byte-order mark at the start is skipped (editors on some
 * systems write one); a file with a NUL byte or bytes that are not UTF-8 is not a source file
 * (an image or an object file given by mistake) and is refused with the offset of the first
 * such byte, rather than read as lines of garbage.
 */
const BOM = "\ufeff";
const REPLACEMENT = "\ufffd";
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder("utf-8", { ignoreBOM: true });
const encoder = new TextEncoder();

/** `text` without a leading byte-order mark. */
export const withoutBom = (text: string): string => (text.startsWith(BOM) ? text.slice(BOM.length) : text);

/** Thrown by `decodeSource`: `detail` says which byte shows the file is not text. */
export class NotText extends Error {
  constructor(readonly detail: string) {
    super(`not a text file (${detail})`);
  }
}

const nulDetail = (bytes: Uint8Array): string | undefined => {
  const at = bytes.indexOf(0);
  return at >= 0 ? `NUL byte at offset ${at}` : undefined;
};

/** Why `bytes` (all of a file, or its first bytes) cannot be source text, if a NUL byte says so. */
export function nulProblem(bytes: Uint8Array): string | undefined {
  const detail = nulDetail(bytes);
  return detail === undefined ? undefined : new NotText(detail).message;
}

/** The text of a source file's bytes; throws NotText for a NUL byte or invalid UTF-8. */
export function decodeSource(bytes: Uint8Array): string {
  const nul = nulDetail(bytes);
  if (nul !== undefined) throw new NotText(nul);
  try {
    return withoutBom(strict.decode(bytes));
  } catch {
    throw new NotText(`invalid UTF-8 at offset ${firstInvalidUtf8(bytes)}`);
  }
}

/**
 * Offset of the first byte that is not UTF-8: where the lenient decoder put a replacement
 * character that the file itself does not hold (EF BF BD).
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const text = lenient.decode(bytes);
  for (let i = text.indexOf(REPLACEMENT); i >= 0; i = text.indexOf(REPLACEMENT, i + 1)) {
    const at = encoder.encode(text.slice(0, i)).length;
    if (bytes[at] !== 0xef || bytes[at + 1] !== 0xbf || bytes[at + 2] !== 0xbd) return at;
  }
  return bytes.length;
}

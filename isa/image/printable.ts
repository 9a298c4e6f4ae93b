/**
 * Text quoted from user files (source lines, file, section and symbol names) as it may appear
 * in a one-line message: control and invisible format characters and line separators are shown
 * as escapes (`\x07`, `\ufeff`), so a diagnostic can never ring the bell, move the cursor, hide
 * text or break the line. Tabs stay (they keep a caret under its column).
 */
const UNPRINTABLE = /[^\P{Cc}\t]|[\p{Cf}\u2028\u2029]/gu;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.codePointAt(0)!;
    const digits = code.toString(16);
    if (code < 0x100) return `\\x${digits.padStart(2, "0")}`;
    return code > 0xffff ? `\\u{${digits}}` : `\\u${digits.padStart(4, "0")}`;
  });
}

/** Like `printable`, tabs too: for names, where a tab is as invisible as any other control. */
export function printableName(text: string): string {
  return printable(text).replace(/\t/g, "\\x09");
}

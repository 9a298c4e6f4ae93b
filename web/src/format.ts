/** Numbers as people read them: bytes in KiB/MiB, times in µs/ms/s, counts with separators. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

export function ns(n: number): string {
  if (n < 1e3) return `${Math.round(n)} ns`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} µs`;
  if (n < 1e9) return `${(n / 1e6).toFixed(3)} ms`;
  return `${(n / 1e9).toFixed(3)} s`;
}

export const count = (n: number): string => Math.round(n).toLocaleString("en");

/** An element with text and attributes, in one call. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

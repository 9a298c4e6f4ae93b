/**
 * What yargs' CommonJS build takes from `node:assert` (its internal checks: `strictEqual` and
 * `notStrictEqual`), for the CLI bundle (bundle.ts). Loading `node:assert` also loads its
 * error formatting and terminal colours, which cost a cold start about 3 ms.
 */
export function strictEqual(actual: unknown, expected: unknown, message?: string | Error): void {
  if (!Object.is(actual, expected)) fail(message, `Expected values to be strictly equal: ${String(actual)} !== ${String(expected)}`);
}

export function notStrictEqual(actual: unknown, expected: unknown, message?: string | Error): void {
  if (Object.is(actual, expected)) fail(message, `Expected "actual" to be strictly unequal to: ${String(expected)}`);
}

function fail(message: string | Error | undefined, otherwise: string): never {
  throw message instanceof Error ? message : new Error(message ?? otherwise);
}

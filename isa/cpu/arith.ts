/** Arithmetic the interpreter needs beyond JavaScript's 32-bit operators. */

/** High 32 bits of the unsigned 64-bit product of two 32-bit values. */
export function mulhu(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const low = al * bl;
  const cross1 = ah * bl;
  const cross2 = al * bh;
  const carry = ((low >>> 16) + (cross1 & 0xffff) + (cross2 & 0xffff)) >>> 16;
  return (ah * bh + (cross1 >>> 16) + (cross2 >>> 16) + carry) >>> 0;
}

/** High 32 bits of the signed 64-bit product of two int32 values. */
export function mulh(a: number, b: number): number {
  let high = mulhu(a >>> 0, b >>> 0);
  if (a < 0) high -= b >>> 0;
  if (b < 0) high -= a >>> 0;
  return high | 0;
}

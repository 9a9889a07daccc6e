/**
 * Zero, stored as a double. V8 gives an object's field the representation of the first value
 * stored in it: a field that starts as the small integer 0 and later holds a fraction (a time, a
 * rate, a window of 16.06 blocks) or a count past 2^31 (bytes beyond 2 GiB) must change
 * representation. Every object of the class then moves to a new hidden class and the optimised
 * code built for the old one is thrown away and compiled again ("wrong map" deoptimisations: in
 * one 256 MiB download, 8 hot functions of the leecher at once, each recompiled for 10–60 ms).
 * Fields that will hold such values start with this instead, then settleDoubleZeros makes them a
 * plain +0 that stays a double.
 */
export const DOUBLE_ZERO = -0;

/**
 * Sets fields declared `= DOUBLE_ZERO` to +0 at the end of a constructor: they keep the double
 * representation -0 gave them, and read as a plain 0 everywhere, `Object.is` (and so
 * node:assert/strict) included.
 */
export function settleDoubleZeros<T extends object>(
  target: T,
  ...fields: readonly (keyof T & string)[]
): void {
  for (const field of fields) (target as Record<string, unknown>)[field] = 0;
}

/**
 * Name order for lists people read: runs of digits compare by their value, so `f2` comes before
 * `f10` (as `ls -v`, Finder and Transmission list them); everything else by code unit, so the
 * order is the same on every machine and locale. Names equal by that (`f02`, `f2`) fall back to
 * code-unit order, so the order is total.
 */
export function compareNatural(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      const endA = digitsEnd(a, i);
      const endB = digitsEnd(b, j);
      const byValue = compareDigitRuns(a, i, endA, b, j, endB);
      if (byValue !== 0) return byValue;
      i = endA;
      j = endB;
      continue;
    }
    if (ca !== cb) return ca < cb ? -1 : 1;
    i++;
    j++;
  }
  const byRest = a.length - i - (b.length - j);
  if (byRest !== 0) return byRest < 0 ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function digitsEnd(text: string, from: number): number {
  let end = from;
  while (end < text.length && isDigit(text.charCodeAt(end))) end++;
  return end;
}

/** By value without parsing (a run may be longer than a double holds exactly). */
function compareDigitRuns(
  a: string,
  startA: number,
  endA: number,
  b: string,
  startB: number,
  endB: number,
): number {
  let i = startA;
  let j = startB;
  while (i < endA - 1 && a.charCodeAt(i) === 48) i++;
  while (j < endB - 1 && b.charCodeAt(j) === 48) j++;
  const lengths = endA - i - (endB - j);
  if (lengths !== 0) return lengths < 0 ? -1 : 1;
  for (; i < endA; i++, j++) {
    const da = a.charCodeAt(i);
    const db = b.charCodeAt(j);
    if (da !== db) return da < db ? -1 : 1;
  }
  return 0;
}

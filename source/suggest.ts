/**
 * Edit distance between two short strings (flag, command and file names), for "did you mean".
 */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate closest to `input`, if it is close enough to be a plausible typo. */
export function closest(input: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(input, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : null;
}

/**
 * The name of `names` that `input` most likely meant: one equal but for case first (`Big.iso`
 * for `big.iso`, 3 edits apart), else the closest within a typo's distance. Null if none.
 */
export function nearestName(input: string, names: readonly string[]): string | null {
  const lower = input.toLowerCase();
  const sameButCase = names.find((name) => name !== input && name.toLowerCase() === lower);
  return (
    sameButCase ??
    closest(
      input,
      names.filter((name) => name !== input),
    )
  );
}

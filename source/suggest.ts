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
 * The name of `names` that `input` most likely meant: the same text in other Unicode characters
 * first (see otherUnicodeForm), then one equal but for case (`Big.iso` for `big.iso`, 3 edits
 * apart), else the closest within a typo's distance. Null if none.
 */
export function nearestName(input: string, names: readonly string[]): string | null {
  const canonical = input.normalize('NFC');
  const sameText = names.find((name) => name !== input && name.normalize('NFC') === canonical);
  const lower = input.toLowerCase();
  const sameButCase = names.find((name) => name !== input && name.toLowerCase() === lower);
  return (
    sameText ??
    sameButCase ??
    closest(
      input,
      names.filter((name) => name !== input),
    )
  );
}

/**
 * What to say of `meant`, the name `input` most likely meant: `did you mean big.iso?`, or, where
 * the two are the same text in other Unicode characters (a name from macOS, whose file system
 * writes `é` as `e` and a combining accent, typed on a keyboard that writes it as one character),
 * which character differs and how to ask for the swarm's. Found by hand: `--download café.bin`
 * of a file named so on macOS waited, then failed, with `did you mean café.bin?`.
 */
export function didYouMean(input: string, meant: string): string {
  const differs = otherUnicodeForm(input, meant);
  // A name that begins or ends with blanks is quoted: `did you mean trail.bin ?` hid the blank
  // that made it another name (found by a session).
  const shown = meant.trim() === meant ? meant : JSON.stringify(meant);
  if (differs === null) return `did you mean ${shown}?`;
  return `the swarm has ${meant}, the same name in other Unicode characters (${differs}): pick it in Swarm files, or in a shell give ${shellQuoted(meant)}`;
}

/**
 * For two names that are the same text in different Unicode characters (equal once
 * NFC-normalised, not before): the first character written differently, as `é is U+0065 U+0301
 * there, U+00E9 here` (there: `name`, here: `input`). Null for any other pair.
 */
export function otherUnicodeForm(input: string, name: string): string | null {
  if (input === name || input.normalize('NFC') !== name.normalize('NFC')) return null;
  const here = Array.from(input);
  const there = Array.from(name);
  let first = 0;
  while (first < here.length && here[first] === there[first]) first++;
  // Back to the character the differing code point belongs to (a base and its marks).
  while (first > 0 && COMBINING_MARK.test(here[first]!) && COMBINING_MARK.test(there[first]!))
    first--;
  const ours = characterAt(here, first);
  const theirs = characterAt(there, first);
  return `${ours.normalize('NFC')} is ${codePoints(theirs)} there, ${codePoints(ours)} here`;
}

const COMBINING_MARK = /^\p{M}$/u;

/** The code points from `start` up to the next that is not a combining mark, joined. */
function characterAt(codePointsOf: readonly string[], start: number): string {
  let end = start + 1;
  while (end < codePointsOf.length && COMBINING_MARK.test(codePointsOf[end]!)) end++;
  return codePointsOf.slice(start, end).join('');
}

function codePoints(text: string): string {
  return Array.from(
    text,
    (point) => `U+${point.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`,
  ).join(' ');
}

/** `name` as bash and zsh read it whole: `$'cafe\u0301.bin'` (ASCII kept, the rest escaped). */
function shellQuoted(name: string): string {
  let quoted = '';
  for (const point of name) {
    const code = point.codePointAt(0)!;
    if (point === '\\' || point === "'") quoted += `\\${point}`;
    else if (code >= 0x20 && code < 0x7f) quoted += point;
    else if (code <= 0xffff) quoted += `\\u${code.toString(16).padStart(4, '0')}`;
    else quoted += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `$'${quoted}'`;
}

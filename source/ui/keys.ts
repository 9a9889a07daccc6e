import type { Key } from 'ink';

/** What a scroll key asks for: a relative move in lines, or a jump to an end. */
export type ScrollAction = { kind: 'by'; lines: number } | { kind: 'top' } | { kind: 'bottom' };

/** Arrows, j/k, PageUp/PageDown, Home/End and g/G, as vim and less users expect. */
export function scrollActionFor(input: string, key: Key, pageLines: number): ScrollAction | null {
  if (key.upArrow || input === 'k') return { kind: 'by', lines: -1 };
  if (key.downArrow || input === 'j') return { kind: 'by', lines: 1 };
  if (key.pageUp) return { kind: 'by', lines: -Math.max(1, pageLines) };
  if (key.pageDown) return { kind: 'by', lines: Math.max(1, pageLines) };
  if (key.home || input === 'g') return { kind: 'top' };
  if (key.end || input === 'G') return { kind: 'bottom' };
  return null;
}

/** New first-visible-row of a list of `total` rows shown `visible` at a time. */
export function applyScroll(
  offset: number,
  action: ScrollAction,
  total: number,
  visible: number,
): number {
  const last = Math.max(0, total - visible);
  if (action.kind === 'top') return 0;
  if (action.kind === 'bottom') return last;
  return Math.min(last, Math.max(0, offset + action.lines));
}

/** One key out of what Ink delivered in one read. */
export interface KeyPress {
  input: string;
  key: Key;
}

/** Flags that make a key more than a character: such a key is never a burst of text. */
const NAMED_KEY_FLAGS = [
  'ctrl',
  'meta',
  'escape',
  'return',
  'tab',
  'backspace',
  'delete',
  'upArrow',
  'downArrow',
  'leftArrow',
  'rightArrow',
  'pageUp',
  'pageDown',
  'home',
  'end',
] as const satisfies ReadonlyArray<keyof Key>;

/** A key with every flag of `key` cleared, then `flags` set. */
function keyWith(key: Key, flags: Partial<Key>): Key {
  const cleared = { ...key, shift: false };
  for (const flag of NAMED_KEY_FLAGS) cleared[flag] = false;
  return { ...cleared, ...flags };
}

/**
 * Splits what Ink hands over from one read into single keys. Ink delivers fast typing, a
 * paste or `tmux send-keys 'name' Enter` as one string ("jj", "name\r") with no flag set, so a
 * view bound to single keys would ignore it and a text line would drop its Enter. Characters
 * come out one by one; CR and LF become Enter, TAB becomes Tab, DEL and BS become Ink's
 * delete and backspace; other control characters are dropped. A named key passes as it is.
 */
export function splitKeys(input: string, key: Key): KeyPress[] {
  const chars = Array.from(input);
  if (chars.length <= 1 || NAMED_KEY_FLAGS.some((flag) => key[flag])) return [{ input, key }];
  const presses: KeyPress[] = [];
  for (const char of chars) {
    if (char === '\r' || char === '\n')
      presses.push({ input: '', key: keyWith(key, { return: true }) });
    else if (char === '\t') presses.push({ input: '', key: keyWith(key, { tab: true }) });
    else if (char === '\u007f') presses.push({ input: '', key: keyWith(key, { delete: true }) });
    else if (char === '\b') presses.push({ input: '', key: keyWith(key, { backspace: true }) });
    else if (char >= ' ')
      presses.push({ input: char, key: keyWith(key, { shift: /^[A-Z]$/.test(char) }) });
  }
  return presses;
}

/** Keeps an offset valid after the list shrank or the window grew. */
export function clampScroll(offset: number, total: number, visible: number): number {
  return Math.min(Math.max(0, total - visible), Math.max(0, offset));
}

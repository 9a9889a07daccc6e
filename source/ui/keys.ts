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
 * delete and backspace, Ctrl+letters Ctrl and the letter; other control characters are dropped.
 * A named key passes as it is.
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
    else if (char >= '\u0001' && char <= '\u001a')
      // Ctrl+A … Ctrl+Z, as Ink hands over one alone: two sent together (`send-keys C-a C-k`, a
      // slow SSH link) were dropped, and the line being typed stayed as it was (found by a
      // session).
      presses.push({
        input: String.fromCharCode(char.charCodeAt(0) + 96),
        key: keyWith(key, { ctrl: true }),
      });
    else if (char >= ' ')
      presses.push({ input: char, key: keyWith(key, { shift: /^[A-Z]$/.test(char) }) });
  }
  return presses;
}

/** Keeps an offset valid after the list shrank or the window grew. */
export function clampScroll(offset: number, total: number, visible: number): number {
  return Math.min(Math.max(0, total - visible), Math.max(0, offset));
}

/**
 * Bracketed paste (the views turn it on with ESC[?2004h): a terminal sends what is pasted
 * between ESC[200~ and ESC[201~, which Ink hands over as `[200~`, the text, `[201~`.
 */
const PASTE_START = '[200~';
const PASTE_END = '[201~';
/** A paste longer than this is cut: a file name or a filter, not a document. */
const MAX_PASTE_CHARS = 4096;

/** What one read of the keyboard is: keys, a whole paste, or part of a paste still coming. */
export type KeyboardRead =
  | { kind: 'keys'; input: string; key: Key }
  /** `key`: the end marker's, no flag set: what each pasted character is typed with. */
  | { kind: 'paste'; text: string; key: Key }
  | null;

/**
 * Tells pasted text from typed keys. Without it a paste was typed: `big.bin⏎q` pasted into the
 * `D` prompt downloaded big.bin and then quit the view, and a name pasted into a list pane ran
 * its letters as keys (`a` seeds every file; found by hand, 2026-12-06).
 */
export class PasteReader {
  private pasted: string | null = null;

  read(input: string, key: Key): KeyboardRead {
    if (input === PASTE_START && this.pasted === null) {
      this.pasted = '';
      return null;
    }
    if (this.pasted === null) return { kind: 'keys', input, key };
    if (input === PASTE_END) {
      const text = this.pasted;
      this.pasted = null;
      return { kind: 'paste', text, key };
    }
    // Ctrl+C always reaches the view: a paste whose end never came (a terminal that lost it)
    // would otherwise swallow every key, the one that quits too.
    if (key.ctrl && input === 'c') {
      this.pasted = null;
      return { kind: 'keys', input, key };
    }
    // Ink passes a pasted Enter or Tab alone as a named key, its text emptied.
    const text = key.return ? '\r' : key.tab ? '\t' : input;
    if (this.pasted.length < MAX_PASTE_CHARS)
      this.pasted = (this.pasted + text).slice(0, MAX_PASTE_CHARS);
    return null;
  }
}

/** The first line of pasted text that holds anything, its control characters dropped. */
export function pastedLine(text: string): string {
  for (const line of text.split(/[\r\n]+/)) {
    const clean = Array.from(line)
      .filter((char) => char >= ' ' && char !== '\u007f')
      .join('')
      .trim();
    if (clean !== '') return clean;
  }
  return '';
}

import type { Key } from 'ink';
import { characterAfter, characterBefore } from './text.ts';

/**
 * The one-line inputs of the views (the peer view's `:`, `/` and `D`, the tracker view's `/`):
 * how a key changes the line being typed, with the editing keys of a shell's line (readline's).
 *
 * The cursor is kept as a count of UTF-16 units from the end of the line (`fromEnd`): 0, the
 * end, is where a line opened or completed has it, and typing or deleting before the cursor
 * leaves the count as it is. Until 2026-12-07 a line could only grow and shrink at its end: a
 * typo at the start of a long name meant deleting the whole of it (found by a session).
 */

export type InputStep =
  | { kind: 'edit'; value: string; fromEnd: number }
  | { kind: 'submit'; value: string }
  | { kind: 'cancel' }
  | { kind: 'complete' };

/** Where the word before `at` begins: blanks, then what is not blank, as Ctrl+W and Alt+B go. */
function wordBefore(text: string, at: number): number {
  let start = at;
  while (start > 0 && text[start - 1] === ' ') start--;
  while (start > 0 && text[start - 1] !== ' ') start--;
  return start;
}

/** Where the word after `at` ends, as Alt+F goes. */
function wordAfter(text: string, at: number): number {
  let end = at;
  while (end < text.length && text[end] === ' ') end++;
  while (end < text.length && text[end] !== ' ') end++;
  return end;
}

/**
 * One key applied to a line being typed, the cursor `fromEnd` units before its end: characters
 * go in at the cursor; Backspace deletes before it (Alt+Backspace and Ctrl+W a word), Ctrl+D
 * at it; ←/→ (Ctrl+B/F) move a character, Ctrl or Alt with them (Alt+B/F) a word, Home/End
 * (Ctrl+A/E) to either end; Ctrl+U and Ctrl+K delete to the start and to the end. Enter
 * submits, Esc cancels, Tab asks for completion.
 */
export function stepInput(value: string, input: string, key: Key, fromEnd = 0): InputStep {
  if (key.escape) return { kind: 'cancel' };
  if (key.return) return { kind: 'submit', value };
  if (key.tab) return { kind: 'complete' };
  const at = value.length - Math.min(Math.max(0, fromEnd), value.length);
  const edit = (next: string, cursor: number): InputStep => ({
    kind: 'edit',
    value: next,
    fromEnd: next.length - cursor,
  });
  const cut = (from: number, to: number) => edit(value.slice(0, from) + value.slice(to), from);
  // Ink reads the Backspace key (DEL) as `delete`, like the Delete key: both delete backwards.
  if (key.backspace || key.delete)
    return key.meta ? cut(wordBefore(value, at), at) : cut(characterBefore(value, at), at);
  const letter = key.ctrl || key.meta ? input.toLowerCase() : '';
  const byWord = key.meta || (key.ctrl && (key.leftArrow || key.rightArrow));
  if (key.leftArrow || letter === 'b')
    return edit(value, byWord ? wordBefore(value, at) : characterBefore(value, at));
  if (key.rightArrow || letter === 'f')
    return edit(value, byWord ? wordAfter(value, at) : characterAfter(value, at));
  if (key.ctrl) {
    if (key.home || letter === 'a') return edit(value, 0);
    if (key.end || letter === 'e') return edit(value, value.length);
    if (letter === 'u') return cut(0, at);
    if (letter === 'k') return cut(at, value.length);
    if (letter === 'w') return cut(wordBefore(value, at), at);
    if (letter === 'd') return cut(at, characterAfter(value, at));
  }
  if (key.home) return edit(value, 0);
  if (key.end) return edit(value, value.length);
  if (key.ctrl || key.meta || key.upArrow || key.downArrow) return edit(value, at);
  // Typed text only: no control characters reach a name or a command.
  const printable = Array.from(input)
    .filter((char) => char >= ' ' && char !== '\u007f')
    .join('');
  return edit(value.slice(0, at) + printable + value.slice(at), at + printable.length);
}

import type { Key } from 'ink';

/**
 * The one-line inputs of the views (the peer view's `:`, `/` and `D`, the tracker view's `/`):
 * how a key changes the line being typed.
 */

export type InputStep =
  | { kind: 'edit'; value: string }
  | { kind: 'submit'; value: string }
  | { kind: 'cancel' }
  | { kind: 'complete' };

/** One key applied to a line being typed: characters, Backspace, Enter, Esc, Tab. */
export function stepInput(value: string, input: string, key: Key): InputStep {
  if (key.escape) return { kind: 'cancel' };
  if (key.return) return { kind: 'submit', value };
  if (key.tab) return { kind: 'complete' };
  if (key.backspace || key.delete) return { kind: 'edit', value: value.slice(0, -1) };
  if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow)
    return { kind: 'edit', value };
  // Typed text only: no control characters reach a name or a command.
  const printable = Array.from(input)
    .filter((char) => char >= ' ' && char !== '\u007f')
    .join('');
  return { kind: 'edit', value: value + printable };
}

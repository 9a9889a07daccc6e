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

/** Keeps an offset valid after the list shrank or the window grew. */
export function clampScroll(offset: number, total: number, visible: number): number {
  return Math.min(Math.max(0, total - visible), Math.max(0, offset));
}

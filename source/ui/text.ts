/** Text fitting for fixed-width cells: nothing a view draws may wrap. */

/** Cuts `text` to `width` characters, marking the cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  return `${chars.slice(0, width - 1).join('')}…`;
}

/** Character count as a terminal shows it (code points; good enough for names we allow). */
export function textWidth(text: string): number {
  return Array.from(text).length;
}

/**
 * Shrinks the `flexible` columns of a table (widest first) until its rows fit `maxWidth`, and
 * truncates their cells. `chrome` is what borders and padding add per column, plus a constant.
 */
export function fitColumns<T extends Record<string, string>>(
  rows: T[],
  headings: Record<keyof T, string>,
  flexible: (keyof T)[],
  maxWidth: number,
  chromePerColumn = 3,
  chromeFixed = 1,
): T[] {
  const keys = Object.keys(headings) as (keyof T)[];
  const widths = new Map<keyof T, number>();
  for (const key of keys) {
    widths.set(
      key,
      Math.max(textWidth(headings[key]), ...rows.map((row) => textWidth(row[key] ?? ''))),
    );
  }
  const total = () =>
    [...widths.values()].reduce((sum, width) => sum + width, 0) +
    keys.length * chromePerColumn +
    chromeFixed;
  let excess = total() - maxWidth;
  while (excess > 0) {
    const widest = flexible.reduce(
      (best, key) => (widths.get(key)! > widths.get(best)! ? key : best),
      flexible[0]!,
    );
    const minimum = Math.max(3, textWidth(headings[widest]));
    const current = widths.get(widest)!;
    if (current <= minimum) break;
    const cut = Math.min(excess, current - minimum);
    widths.set(widest, current - cut);
    excess -= cut;
  }
  return rows.map((row) => {
    const fitted = { ...row };
    for (const key of flexible)
      fitted[key] = truncate(row[key] ?? '', widths.get(key)!) as T[keyof T];
    return fitted;
  });
}

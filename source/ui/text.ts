/** Text fitting for fixed-width cells: nothing a view draws may wrap (wrapRows makes rows). */
import stringWidth from 'string-width';

/**
 * Characters one cell wide whatever the terminal: ASCII, Latin-1 (but the soft hyphen) up to
 * the combining marks, punctuation such as … and ·, arrows, box drawing, blocks and shapes (but
 * two drawn as emoji). Most cells of a view are made of these; string-width, which looks at
 * each grapheme (an emoji regular expression), is for the rest.
 */
const ONE_CELL_EACH =
  /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u02ff\u2010-\u2027\u2190-\u21ff\u2500-\u25fc\u25ff]*$/;
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Where the character before `at` begins (a letter with its accent, an emoji: one character). */
export function characterBefore(text: string, at: number): number {
  let start = 0;
  for (const { index } of GRAPHEMES.segment(text.slice(0, at))) start = index;
  return start;
}

/** Where the character at `at` ends (`at` itself at the end of `text`). */
export function characterAfter(text: string, at: number): number {
  const first = GRAPHEMES.segment(text.slice(at))[Symbol.iterator]().next();
  return first.done ? at : at + first.value.segment.length;
}

/** Cuts `text` to `width` terminal cells, marking the cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (textWidth(text) <= width) return text;
  if (width <= 0) return '';
  let cut = '';
  let used = 0;
  // Whole characters as a person sees them (an emoji of several code points, a letter with its
  // accent): a wide one that does not fit leaves a cell empty rather than half drawn.
  for (const { segment } of GRAPHEMES.segment(text)) {
    const cells = textWidth(segment);
    if (used + cells > width - 1) break;
    cut += segment;
    used += cells;
  }
  return `${cut}…`;
}

/**
 * Cuts `host:port` (`[v6]:port`) to `width` cells in its host, keeping the port: nodes of one
 * host (a test swarm on 127.0.0.1, a machine's several nodes) differ only there
 * (`[2001:db8:…]:48157`, not `[2001:db8:9::2]:4…`). Anything else is cut as truncate() does.
 */
export function truncateAddress(text: string, width: number, minHostCells = 3): string {
  if (textWidth(text) <= width) return text;
  const end = portEnd(text);
  // A host cut to fewer than 3 cells (`1…`) says less than the address cut at its end, unless
  // every row has that host (minHostCells 1: `…:47811`).
  if (end === null || width - end.length < minHostCells) return truncate(text, width);
  // The host cut in its middle: the nodes of one LAN differ at its end (`192…1.11:6881`).
  return truncateMiddle(text.slice(0, text.length - end.length), width - end.length) + end;
}

/** The fewest cells truncateAddress keeps `text`'s port in. */
export function addressReadableWidth(text: string, minHostCells = 3): number {
  const end = portEnd(text);
  return Math.min(textWidth(text), (end?.length ?? 0) + minHostCells);
}

/** The host of `text` (host:port), or all of it when it has no port. */
export function addressHost(text: string): string {
  const end = portEnd(text);
  return end === null
    ? text
    : text.slice(0, text.length - end.length + (end.startsWith(']') ? 1 : 0));
}

/** `:port` (or `]:port` after a bracketed IPv6 host) ending `text`; null if it is not host:port. */
function portEnd(text: string): string | null {
  const colon = text.lastIndexOf(':');
  const bracketed = text.startsWith('[') && text[colon - 1] === ']';
  const port = text.slice(colon + 1);
  if (colon <= 0 || !/^\d{1,5}$/.test(port) || (text.includes(']') && !bracketed)) return null;
  return bracketed ? `]:${port}` : `:${port}`;
}

/**
 * Cuts `text` to `width` cells from its start, keeping its end: a line being typed, whose end
 * is where the cursor is (`…me-of-a-file.iso`).
 */
export function truncateStart(text: string, width: number): string {
  if (textWidth(text) <= width) return text;
  if (width <= 0) return '';
  const kept: string[] = [];
  let used = 0;
  const segments = Array.from(GRAPHEMES.segment(text), ({ segment }) => segment);
  for (let i = segments.length - 1; i >= 0; i--) {
    const cells = textWidth(segments[i]!);
    if (used + cells > width - 1) break;
    kept.push(segments[i]!);
    used += cells;
  }
  return `…${kept.reverse().join('')}`;
}

/**
 * Cuts `text` to `width` cells in its middle, keeping its start and its end: a file name in a
 * sentence (`a-very-long-na…-2026.tar.gz cannot be shared: …`), whose extension tells files
 * apart as much as its start does.
 */
export function truncateMiddle(text: string, width: number): string {
  if (textWidth(text) <= width) return text;
  const end = truncateStart(text, Math.floor(width / 2)).slice(1);
  return truncate(text, width - textWidth(end)) + end;
}

/**
 * ` rows 15-20 of 20` after a pane's title when it shows only some of its `total` rows (from
 * `first`, `shown` of them), so that a person knows the list goes on; '' when all are shown.
 */
export function rowsShown(first: number, shown: number, total: number): string {
  if (total <= shown) return '';
  return ` rows ${first + 1}-${Math.min(total, first + shown)} of ${total}`;
}

/** The first of `texts` (longest first) that fits `width`, else the last one cut to it. */
export function firstFitting(texts: readonly string[], width: number): string {
  return texts.find((text) => textWidth(text) <= width) ?? truncate(texts.at(-1) ?? '', width);
}

/**
 * `text` in rows of at most `width` cells, broken after a space where one is near (else within a
 * word), each row after the first starting with `indent` spaces; at most `maxRows` rows, the last
 * cut with an ellipsis if text remains.
 */
export function wrapRows(text: string, width: number, maxRows: number, indent = 0): string[] {
  const rows: string[] = [];
  let rest = text;
  while (rest !== '' && rows.length < maxRows) {
    const room = rows.length === 0 ? width : width - indent;
    const lead = rows.length === 0 ? '' : ' '.repeat(indent);
    if (textWidth(rest) <= room || rows.length === maxRows - 1 || room <= 1) {
      rows.push(lead + truncate(rest, room));
      break;
    }
    let row = '';
    let used = 0;
    let lastSpace = -1;
    for (const { segment } of GRAPHEMES.segment(rest)) {
      const cells = textWidth(segment);
      if (used + cells > room) break;
      row += segment;
      used += cells;
      if (segment === ' ') lastSpace = row.length;
    }
    // A break at a space in the second half of the row; a long word is cut where it must be.
    const cut = lastSpace >= room / 2 ? lastSpace : row.length;
    rows.push(lead + row.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  return rows;
}

/** A word is not cut below this many cells (see wrapShorteningWords). */
const MIN_WORD_CELLS = 16;

/**
 * wrapRows, with the longest words cut in their middle until the whole text fits `maxRows`: a
 * file name of 250 characters in a sentence (`"…" cannot be shared: …`, `name "…" refused: …`)
 * pushed the rest of it, the reason, off a notice's two rows (found by a session).
 */
export function wrapShorteningWords(
  text: string,
  width: number,
  maxRows: number,
  indent = 0,
): string[] {
  let fitted = text;
  // Fits when a row more is not needed; each round cuts the longest word by a third.
  for (let round = 0; round < 12; round++) {
    if (wrapRows(fitted, width, maxRows + 1, indent).length <= maxRows) break;
    const words = fitted.split(' ');
    const widths = words.map(textWidth);
    const longest = widths.indexOf(Math.max(...widths));
    if (widths[longest]! <= MIN_WORD_CELLS) break;
    // On one row only a word of half the row or more is a name worth cutting: a log line's
    // `recvmmsg/sendmmsg,` read `recvmmsg…ndmms…`, cut in its middle and again at the end.
    if (maxRows === 1 && widths[longest]! < width / 2) break;
    // On one row the cut is known exactly: what is over the width, no more (a log line).
    const over = textWidth(fitted) - width;
    const cells = Math.max(
      MIN_WORD_CELLS,
      maxRows === 1 ? widths[longest]! - over : Math.floor((widths[longest]! * 2) / 3),
    );
    words[longest] = truncateMiddle(words[longest]!, cells);
    fitted = words.join(' ');
  }
  return wrapRows(fitted, width, maxRows, indent);
}

/**
 * Cells a terminal gives `text`: two for each CJK character and most emoji, none for combining
 * marks. Counting code points, a CJK name pushed its table row 9 cells past the border.
 */
export function textWidth(text: string): number {
  return ONE_CELL_EACH.test(text) ? text.length : stringWidth(text);
}

/** Flexible columns give up width down to this before any column is dropped. */
const SOFT_MIN_WIDTH = 12;

export interface FitOptions<K extends PropertyKey> {
  /** Columns whose cells may be cut (with an ellipsis), widest first. */
  flexible: K[];
  /**
   * Flexible columns that give up room down to 12 cells before any other is cut: a column of
   * explanations beside one of names. Without it, My files cut every name to 12 cells beside a
   * folder's state ("a folder: only plain files can be shared"), which kept 28.
   */
  cutFirst?: K[];
  /** Columns that may be left out, first one first, when cutting is not enough. */
  droppable?: K[];
  /**
   * Flexible columns give up width down to this before a column is dropped (default 12; the
   * cutFirst columns give up room down to 12 whatever this is).
   */
  softMinWidth?: number;
  /** What borders and padding add per column, and once per table. */
  chromePerColumn?: number;
  chromeFixed?: number;
  /** Widths the columns need at least: those of rows not given (a table's window). */
  atLeast?: Partial<Record<K, number>>;
  /**
   * Widths flexible columns keep while another can still give room, before every one goes down
   * to 3 cells: an address column its ports (addressReadableWidth). Cut widest first, one of
   * two address columns at 62 cells went to `127.0.…` beside the other's 11 (found by a session).
   */
  readableWidths?: Partial<Record<K, number>>;
  /** How a flexible column's cells are cut, where not at their end (truncate). */
  cutters?: Partial<Record<K, (text: string, width: number) => string>>;
}

/** The cells each column needs for its heading and every row's text, uncut. */
export function naturalWidths<T extends Record<string, string>, K extends keyof T & string>(
  rows: readonly T[],
  columns: readonly K[],
): Record<K, number> {
  const widths = {} as Record<K, number>;
  for (const key of columns) {
    // A loop, not Math.max(...cells): spread arguments throw past ~120,000 rows.
    let width = textWidth(key);
    for (const row of rows) width = Math.max(width, textWidth(row[key] ?? ''));
    widths[key] = width;
  }
  return widths;
}

/** What a table's borders and padding add: `│ ` and ` ` around each column, and a last `│`. */
const TABLE_CHROME_PER_COLUMN = 3;
const TABLE_CHROME_FIXED = 1;

/** Cells a table of `rows` takes with nothing cut. */
export function naturalTableWidth<T extends Record<string, string>, K extends keyof T & string>(
  rows: readonly T[],
  columns: readonly K[],
): number {
  return tableWidthOf(naturalWidths(rows, columns), columns);
}

/** Cells a table takes whose columns are `widths` wide, borders and padding included. */
export function tableWidthOf<K extends string>(
  widths: Record<K, number>,
  columns: readonly K[],
): number {
  return columns.reduce(
    (sum, column) => sum + widths[column] + TABLE_CHROME_PER_COLUMN,
    TABLE_CHROME_FIXED,
  );
}

/**
 * Fits a table into `maxWidth` cells: cuts the `cutFirst` columns, then the widest flexible
 * column (to 12 characters at first), then drops optional columns in order, then cuts flexible
 * columns down to their heading. Returns the cut rows, the columns still shown and each
 * column's width in cells (for a table that shows a window of the rows: its columns keep their
 * width while it scrolls). Headings are the column keys.
 */
export function fitTable<T extends Record<string, string>, K extends keyof T & string>(
  rows: T[],
  columns: readonly K[],
  maxWidth: number,
  options: FitOptions<K>,
): { rows: T[]; columns: K[]; widths: Record<K, number> } {
  const perColumn = options.chromePerColumn ?? TABLE_CHROME_PER_COLUMN;
  const fixed = options.chromeFixed ?? TABLE_CHROME_FIXED;
  const natural = naturalWidths(rows, columns);
  const widths = new Map<K, number>();
  for (const key of columns) widths.set(key, Math.max(natural[key], options.atLeast?.[key] ?? 0));
  let shown = [...columns];
  const excess = () =>
    shown.reduce((sum, key) => sum + widths.get(key)!, 0) +
    shown.length * perColumn +
    fixed -
    maxWidth;
  /** Cuts the widest flexible column first, by all that is over or (`level`) to the next. */
  const shrink = (floor: (key: K) => number, level = false) => {
    for (let over = excess(); over > 0; over = excess()) {
      const candidates = options.flexible.filter(
        (key) => shown.includes(key) && widths.get(key)! > floor(key),
      );
      if (candidates.length === 0) return;
      const widest = candidates.reduce((best, key) =>
        widths.get(key)! > widths.get(best)! ? key : best,
      );
      const width = widths.get(widest)!;
      let least = floor(widest);
      if (level)
        for (const key of candidates)
          if (key !== widest) least = Math.max(least, Math.min(widths.get(key)!, width - 1));
      widths.set(widest, Math.max(least, width - over));
    }
  };
  const softFloor = (key: K) => Math.max(SOFT_MIN_WIDTH, textWidth(key));
  for (const key of options.cutFirst ?? []) {
    const over = excess();
    if (over <= 0) break;
    const width = widths.get(key)!;
    if (shown.includes(key))
      widths.set(key, Math.min(width, Math.max(softFloor(key), width - over)));
  }
  shrink((key) => Math.max(options.softMinWidth ?? SOFT_MIN_WIDTH, textWidth(key)));
  const before = shown.length;
  for (const key of options.droppable ?? []) {
    if (excess() <= 0) break;
    shown = shown.filter((column) => column !== key);
  }
  // The room a dropped column leaves goes back to the cut columns, up to what they need.
  for (const key of shown.length < before ? options.flexible : []) {
    const wanted = Math.max(natural[key], options.atLeast?.[key] ?? 0);
    if (shown.includes(key) && excess() < 0)
      widths.set(key, Math.min(wanted, widths.get(key)! - excess()));
  }
  const lastFloor = (key: K) => Math.max(3, textWidth(key));
  const readable = options.readableWidths;
  // Columns of one kind (two addresses) share this cut: widest first, one went to its floor.
  if (readable) shrink((key) => Math.max(lastFloor(key), readable[key] ?? 0), true);
  shrink(lastFloor);
  const fitted = rows.map((row) => {
    const cut = { ...row };
    for (const key of options.flexible) {
      // A column left out has no width to cut to (the tracker column without a shared store).
      if (!widths.has(key)) continue;
      const cutter = options.cutters?.[key] ?? truncate;
      cut[key] = cutter(row[key] ?? '', widths.get(key)!) as T[K];
    }
    return cut;
  });
  return { rows: fitted, columns: shown, widths: Object.fromEntries(widths) as Record<K, number> };
}

/** fitTable for tables that never drop a column: the rows, cut to fit. */
export function fitColumns<T extends Record<string, string>>(
  rows: T[],
  headings: Record<keyof T & string, string>,
  flexible: (keyof T & string)[],
  maxWidth: number,
): T[] {
  return fitTable(rows, Object.keys(headings) as (keyof T & string)[], maxWidth, { flexible }).rows;
}

/**
 * The state in words, with the reason only where it adds something: "cancelled" not
 * "cancelled: cancelled", "paused by you" not "paused: paused by you".
 */
export function stateText(state: string, reason: string): string {
  if (!reason || reason === state) return state;
  if (reason.startsWith(`${state} `)) return reason;
  return `${state}: ${reason}`;
}

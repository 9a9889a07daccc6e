import { Text } from 'ink';
import { textWidth, truncate, wrapRows } from '../text.ts';
import type { KeyHelp } from './HelpLine.tsx';
import { OverlayBox } from './OverlayBox.tsx';

/** Border (2 lines), title and the closing hint. */
const CHROME_LINES = 4;
/** A note's rows at most (the last cut with …). */
const NOTE_ROWS = 3;
/** Between two columns of keys. */
const GAP = '  ';

/** A column of keys: its entries and how wide its key names are. */
interface KeyColumn {
  keys: KeyHelp[];
  keyWidth: number;
}

/** `keys` in one column or, when taller than `lines`, in two (with the short actions). */
function keyColumns(keys: KeyHelp[], lines: number): { columns: KeyColumn[]; short: boolean } {
  const column = (part: KeyHelp[]): KeyColumn => ({
    keys: part,
    keyWidth: Math.max(0, ...part.map((key) => textWidth(key.keys))),
  });
  if (keys.length <= lines) return { columns: [column(keys)], short: false };
  const half = Math.ceil(keys.length / 2);
  return { columns: [column(keys.slice(0, half)), column(keys.slice(half))], short: true };
}

/**
 * The notes' rows: wrapped, not cut (at 80 columns the tracker's note on filtering lost its end,
 * `… or address (with . or…`, and a help that cuts its own text leaves nowhere to read it whole),
 * in as many rows each as leave the keys room in two columns within `lines`; cut to one row
 * each where even that does not (at 60x19 the wrapped notes pushed the title out).
 */
function noteRows(notes: string[], width: number, lines: number, keyCount: number): string[] {
  for (let rows = NOTE_ROWS; rows > 1; rows--) {
    const wrapped = notes.flatMap((note) => wrapRows(note, width, rows, 2));
    if (Math.ceil(keyCount / 2) + wrapped.length <= lines) return wrapped;
  }
  return notes.map((note) => truncate(note, width));
}

/**
 * Every key of the view with what it does, then `notes` (e.g. a command syntax); `?` or Esc
 * closes it. When the keys do not fit one under the other they flow into two columns.
 */
export function HelpOverlay(props: {
  title: string;
  keys: KeyHelp[];
  height: number;
  width?: number;
  notes?: string[];
}) {
  const inner = props.width === undefined ? 1_000 : props.width - 4;
  const notes = noteRows(props.notes ?? [], inner, props.height - CHROME_LINES, props.keys.length);
  const { columns, short } = keyColumns(props.keys, props.height - CHROME_LINES - notes.length);
  // Each column as wide as its longest line; when they do not fit side by side, the widest
  // gives up what is missing (its actions are cut with …).
  const widths = columns.map((column) =>
    Math.max(
      0,
      ...column.keys.map(
        (key) => column.keyWidth + 1 + textWidth(short ? (key.short ?? key.action) : key.action),
      ),
    ),
  );
  const overflow =
    widths.reduce((sum, width) => sum + width, GAP.length * (columns.length - 1)) - inner;
  if (overflow > 0) {
    const widest = widths.indexOf(Math.max(...widths));
    widths[widest] = Math.max(0, widths[widest]! - overflow);
  }
  const rows = columns[0]?.keys.length ?? 0;
  return (
    <OverlayBox height={props.height} width={props.width}>
      <Text bold>{truncate(`${props.title} — keys`, inner)}</Text>
      {Array.from({ length: rows }, (_, row) => (
        <Text key={columns[0]?.keys[row]?.keys}>
          {columns.map((column, index) => {
            const key = column.keys[row];
            if (!key) return null;
            const room = Math.max(0, (widths[index] ?? 0) - column.keyWidth - 1);
            const action = truncate(short ? (key.short ?? key.action) : key.action, room);
            const last = index === columns.length - 1;
            return (
              <Text key={key.keys}>
                <Text bold>{key.keys.padEnd(column.keyWidth)}</Text>
                {` ${last ? action : action.padEnd(room)}`}
                {last ? '' : GAP}
              </Text>
            );
          })}
        </Text>
      ))}
      {notes.map((row, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows of fixed text, in a fixed order
        <Text key={index}>{row}</Text>
      ))}
      <Text dimColor>press ? or Esc to close</Text>
    </OverlayBox>
  );
}

import { Text } from 'ink';
import { characterAfter, textWidth, truncate, truncateStart } from '../text.ts';

/** Below this many cells for the typed value, the input line leaves out its hint. */
const MIN_VALUE_CELLS = 20;

/**
 * A line being typed, as a view's last line: one line always, the label, what is typed with the
 * cursor on it (`fromEnd` UTF-16 units before its end; see line-edit.ts), and the hint while
 * there is room for it beside MIN_VALUE_CELLS of the value. A value too long for the line is cut
 * around the cursor: at the end, its end shows; inside, some of what follows the cursor too.
 */
export function InputLine({
  label,
  value,
  fromEnd = 0,
  hint,
  columns,
}: {
  label: string;
  value: string;
  fromEnd?: number;
  hint: string;
  columns: number;
}) {
  const room = columns - 1 - textWidth(label) - 1;
  const shownHint = room - textWidth(hint) >= MIN_VALUE_CELLS ? hint : '';
  const at = value.length - Math.min(Math.max(0, fromEnd), value.length);
  const before = value.slice(0, at);
  // The character under the cursor (drawn inverted), or a blank past the end.
  const end = characterAfter(value, at);
  const under = end === at ? ' ' : value.slice(at, end);
  const after = value.slice(end);
  // Cells for what is typed besides the cursor's.
  const cells = Math.max(0, room + 1 - textWidth(shownHint) - textWidth(under));
  // What follows the cursor gets a third of the line, or what the text before leaves.
  const afterCells = Math.max(Math.floor(cells / 3), cells - textWidth(before));
  const shownAfter =
    textWidth(before) + textWidth(after) <= cells ? after : truncate(after, afterCells);
  return (
    <Text>
      <Text bold>{label}</Text>
      {truncateStart(before, cells - textWidth(shownAfter))}
      <Text inverse>{under}</Text>
      {shownAfter}
      <Text dimColor>{shownHint}</Text>
    </Text>
  );
}

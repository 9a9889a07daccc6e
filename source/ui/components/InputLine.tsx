import { Text } from 'ink';
import { textWidth, truncateStart } from '../text.ts';

/** Below this many cells for the typed value, the input line leaves out its hint. */
const MIN_VALUE_CELLS = 20;

/**
 * A line being typed, as a view's last line: one line always, the label, the end of what is
 * typed (where the cursor is), the cursor, and the hint while there is room for it beside
 * MIN_VALUE_CELLS of the value.
 */
export function InputLine({
  label,
  value,
  hint,
  columns,
}: {
  label: string;
  value: string;
  hint: string;
  columns: number;
}) {
  const room = columns - 1 - textWidth(label) - 1;
  const shownHint = room - textWidth(hint) >= MIN_VALUE_CELLS ? hint : '';
  return (
    <Text>
      <Text bold>{label}</Text>
      {truncateStart(value, Math.max(0, room - textWidth(shownHint)))}
      <Text inverse> </Text>
      <Text dimColor>{shownHint}</Text>
    </Text>
  );
}

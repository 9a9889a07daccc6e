import { Text } from 'ink';
import { textWidth, truncate } from '../text.ts';

/** The one-line title of a pane; the focused pane's title is highlighted (and marked with ▶). */
export function PaneTitle({
  title,
  focused,
  width,
}: {
  title: string;
  focused: boolean;
  width: number;
}) {
  const text = truncate(`${focused ? '▶' : ' '} ${title}`, width);
  // Padded in cells: padEnd counts characters, and a title with CJK in it (a filter typed) was
  // padded wider than the pane, wrapped, and pushed its table a row down (found by a session).
  const padding = ' '.repeat(Math.max(0, width - textWidth(text)));
  return focused ? (
    <Text bold inverse>
      {text + padding}
    </Text>
  ) : (
    <Text bold>{text}</Text>
  );
}

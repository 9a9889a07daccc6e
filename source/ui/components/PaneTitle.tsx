import { Text } from 'ink';
import { truncate } from '../text.ts';

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
  return focused ? (
    <Text bold inverse>
      {text.padEnd(width)}
    </Text>
  ) : (
    <Text bold>{text}</Text>
  );
}

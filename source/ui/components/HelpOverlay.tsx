import { Box, Text } from 'ink';
import type { KeyHelp } from './HelpLine.tsx';

/** Every key of the view with what it does; `?` or Esc closes it. */
export function HelpOverlay(props: {
  title: string;
  keys: KeyHelp[];
  height: number;
  width?: number;
}) {
  const keyWidth = Math.max(...props.keys.map((key) => key.keys.length));
  return (
    <Box
      flexDirection="column"
      height={props.height}
      width={props.width}
      borderStyle="round"
      paddingX={1}
    >
      <Text bold>{props.title} — keys</Text>
      {props.keys.map((key) => (
        <Text key={key.keys}>
          <Text bold>{key.keys.padEnd(keyWidth)}</Text> {key.action}
        </Text>
      ))}
      <Text dimColor>press ? or Esc to close</Text>
    </Box>
  );
}

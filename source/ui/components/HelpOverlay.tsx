import { Box, Text } from 'ink';
import type { KeyHelp } from './HelpLine.tsx';

/** Every key of the view with what it does; `?` or Esc closes it. */
export function HelpOverlay({
  title,
  keys,
  height,
}: {
  title: string;
  keys: KeyHelp[];
  height: number;
}) {
  const width = Math.max(...keys.map((key) => key.keys.length));
  return (
    <Box flexDirection="column" height={height} borderStyle="round" paddingX={1}>
      <Text bold>{title} — keys</Text>
      {keys.map((key) => (
        <Text key={key.keys}>
          <Text bold>{key.keys.padEnd(width)}</Text> {key.action}
        </Text>
      ))}
      <Text dimColor>press ? or Esc to close</Text>
    </Box>
  );
}

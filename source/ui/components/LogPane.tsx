import { Box, Text } from 'ink';
import type { LogLine } from '../../log/logger.ts';
import { truncate } from '../text.ts';
import { PaneTitle } from './PaneTitle.tsx';

/** Clock time of a log line, as the log pane shows it. */
function timeOf(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(11, 19);
}

/**
 * The newest log lines, newest at the bottom. `linesBack` scrolls back in history (0 follows
 * the tail). Lines are cut, never wrapped.
 */
export function LogPane(props: {
  title: string;
  lines: readonly LogLine[];
  linesBack: number;
  height: number;
  width: number;
  focused: boolean;
}) {
  const visible = Math.max(0, props.height - 1);
  const end = Math.max(0, props.lines.length - props.linesBack);
  const shown = props.lines.slice(Math.max(0, end - visible), end);
  const back =
    props.linesBack > 0 ? ` (${props.linesBack} line${props.linesBack === 1 ? '' : 's'} back)` : '';
  return (
    <Box flexDirection="column" height={props.height}>
      <PaneTitle title={`${props.title}${back}`} focused={props.focused} width={props.width} />
      {shown.map((line) => (
        <Text
          key={line.seq}
          color={
            /\b(failed|error|banned|refused|unreachable)\b/.test(line.text) ? 'red' : undefined
          }
        >
          {truncate(`${timeOf(line.wallMs)} ${line.text}`, props.width)}
        </Text>
      ))}
    </Box>
  );
}

import { Box, Text } from 'ink';
import type { LogLine } from '../../log/logger.ts';
import { textWidth, wrapShorteningWords } from '../text.ts';
import { PaneTitle } from './PaneTitle.tsx';

/** Clock time of a log line, as the log pane shows it. */
function timeOf(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(11, 19);
}

/**
 * A line that says something went wrong: red, and wrapped so that its reason can be read.
 * `cannot` and `could not` since 2026-12-06: the tracker's `cannot write …/db: No space left on
 * device: …` was cut at the pane's edge in the view's ordinary colour (found by hand).
 */
const TROUBLE = /\b(failed|error|banned|refused|unreachable|cannot|could not)\b/;

/** Rows a troubled line may take; the time's width indents the rows after its first. */
const TROUBLE_ROWS = 3;
const TIME_INDENT = 9;

/**
 * The newest log lines, newest at the bottom. `linesBack` scrolls back in history (0 follows
 * the tail). Lines are cut to the width, but those that say something went wrong wrap to up to
 * three rows: cut, `tracker refused registration: node id 1 is in use by 127.0.0.1:59846 (another
 * key; free on…` hid when the id would be free (found by hand), and the other panes cut it too.
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
  const shown: Array<{ key: string; text: string; trouble: boolean }> = [];
  // From the newest back, whole lines only, as many as fill the pane.
  for (let index = end - 1; index >= 0 && shown.length < visible; index--) {
    const line = props.lines[index]!;
    const text = `${timeOf(line.wallMs)} ${line.text}`;
    const trouble = TROUBLE.test(line.text);
    // Long words (a file's name) are cut in their middle first: cut at its end, a line about a
    // 120-character name read `03:30:34 LLLL…`, its verb and figures lost (found by a session).
    const rows =
      textWidth(text) <= props.width
        ? [text]
        : wrapShorteningWords(
            text,
            props.width,
            trouble ? Math.min(TROUBLE_ROWS, visible) : 1,
            TIME_INDENT,
          );
    if (shown.length + rows.length > visible) break;
    shown.unshift(...rows.map((row, at) => ({ key: `${line.seq}.${at}`, text: row, trouble })));
  }
  const back =
    props.linesBack > 0 ? ` (${props.linesBack} line${props.linesBack === 1 ? '' : 's'} back)` : '';
  return (
    <Box flexDirection="column" height={props.height}>
      <PaneTitle title={`${props.title}${back}`} focused={props.focused} width={props.width} />
      {shown.map((row) => (
        <Text key={row.key} color={row.trouble ? 'red' : undefined}>
          {row.text}
        </Text>
      ))}
    </Box>
  );
}

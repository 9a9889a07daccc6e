import { Text } from 'ink';
import { textWidth, truncate } from '../text.ts';

export interface KeyHelp {
  keys: string;
  action: string;
  /** A shorter action, for the help overlay when it needs two columns. */
  short?: string;
}

/** Every full-screen view has it (run-full-screen.tsx); the overlays list it. */
export const SUSPEND_KEY: KeyHelp = {
  keys: 'Ctrl+Z',
  action: 'suspend to the shell; fg brings the view back',
  short: 'suspend (fg: back)',
};

/** The help line's layouts, roomiest first: the first that fits the width is drawn. */
function layouts(sets: KeyHelp[][]): Array<{ keys: KeyHelp[]; separator: string }> {
  return sets.flatMap((keys) => [
    { keys, separator: '  ' },
    { keys, separator: ' ' },
  ]);
}

const render = (keys: KeyHelp[], separator: string) =>
  keys.map((key) => (key.action ? `${key.keys} ${key.action}` : key.keys)).join(separator);

/**
 * The always-visible line of keys at the bottom of a view. `keys` may give several sets, from
 * the most to the least descriptive; the line uses the first that fits without cutting.
 */
export function HelpLine({ keys, width }: { keys: KeyHelp[] | KeyHelp[][]; width: number }) {
  const sets = (Array.isArray(keys[0]) ? keys : [keys]) as KeyHelp[][];
  const fitting = layouts(sets).find(
    (layout) => textWidth(render(layout.keys, layout.separator)) <= width,
  );
  if (!fitting) return <Text dimColor>{truncate(render(sets.at(-1)!, ' '), width)}</Text>;
  return (
    <Text>
      {fitting.keys.map((key, index) => (
        <Text key={key.keys}>
          {index > 0 ? fitting.separator : ''}
          <Text bold>{key.keys}</Text>
          {key.action ? <Text dimColor>{` ${key.action}`}</Text> : null}
        </Text>
      ))}
    </Text>
  );
}

/** For tests and measurements: the text a help line shows at `width`. */
export function helpLineText(keys: KeyHelp[] | KeyHelp[][], width: number): string {
  const sets = (Array.isArray(keys[0]) ? keys : [keys]) as KeyHelp[][];
  const fitting = layouts(sets).find(
    (layout) => textWidth(render(layout.keys, layout.separator)) <= width,
  );
  return fitting
    ? render(fitting.keys, fitting.separator)
    : truncate(render(sets.at(-1)!, ' '), width);
}

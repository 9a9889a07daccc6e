import { Text } from 'ink';

/** Shown instead of the view when the terminal cannot hold it without wrapping. */
export function SmallTerminal(props: {
  columns: number;
  rows: number;
  minColumns: number;
  minRows: number;
}) {
  return (
    <Text>
      Terminal too small ({props.columns}x{props.rows}): enlarge the window to at least{' '}
      {props.minColumns}x{props.minRows}. q quits.
    </Text>
  );
}

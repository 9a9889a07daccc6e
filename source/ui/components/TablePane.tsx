import { Box, Text } from 'ink';
import { truncate } from '../text.ts';
import { type CellStyle, DataTable } from './CompactTable.tsx';
import { PaneTitle } from './PaneTitle.tsx';

/** A pane of a fixed height: its title line, then a table of the rows that fit. */
export function TablePane<T extends Record<string, string>>(props: {
  title: string;
  focused: boolean;
  width: number;
  height: number;
  rows: T[];
  columns: (keyof T & string)[];
  cellStyle?: CellStyle;
  /** Column widths over all rows, when `rows` is the window of them that fits. */
  widths?: Partial<Record<keyof T & string, number>>;
  /** Said under an empty table, in the line its first row would take: what fills it. */
  empty?: string;
}) {
  return (
    <Box flexDirection="column" height={props.height}>
      <PaneTitle title={props.title} focused={props.focused} width={props.width} />
      <DataTable
        rows={props.rows}
        columns={props.columns}
        cellStyle={props.cellStyle}
        widths={props.widths}
      />
      {props.rows.length === 0 && props.empty ? (
        <Text dimColor>{truncate(props.empty, props.width)}</Text>
      ) : null}
    </Box>
  );
}

import { type CellProps, Table } from '@alcalzone/ink-table';
import { Box, Text, type TextProps } from 'ink';
import { createContext, useContext } from 'react';
import { textWidth } from '../text.ts';

type Row = Record<string, string>;

/** How one cell is drawn, from its row and column (colour by status, dim a dropped row). */
export type CellStyle = (row: Row, column: string) => TextProps;

const CellStyleContext = createContext<CellStyle | null>(null);
const RowContext = createContext<{ row: Row; columns: string[] } | null>(null);

function StyledCell({ column, children }: CellProps) {
  const style = useContext(CellStyleContext);
  const context = useContext(RowContext);
  const props = style && context ? style(context.row, context.columns[column] ?? '') : {};
  return <Text {...props}>{inCells(String(children))}</Text>;
}

/**
 * A cell as the Ink table padded it, to the width its column has on a terminal. The table pads
 * by string length; a CJK character is one unit of length but two cells, so such a cell has as
 * many spaces too many at its end (and a zero-width mark, a space too few).
 */
function inCells(padded: string): string {
  const excess = textWidth(padded) - padded.length;
  if (excess > 0 && padded.endsWith(' '.repeat(excess))) return padded.slice(0, -excess);
  if (excess < 0) return padded + ' '.repeat(-excess);
  return padded;
}

/**
 * The Ink table component without a rule between every data row: one heading rule, then the
 * rows, so a table of n rows takes n + 4 lines. Each data row is given to the cell renderer
 * through context, so cells can be styled by what their row says.
 */
class CompactTable<T extends Row> extends Table<T> {
  /** Widths of all the rows when these are a window of them; see DataTable. */
  declare props: Table<T>['props'] & { widths?: Partial<Record<string, number>> };

  /** Column widths in terminal cells (the Ink table counts string length). */
  override getColumns() {
    const { padding } = this.getConfig();
    return super.getColumns().map((column) => ({
      ...column,
      width:
        Math.max(
          this.props.widths?.[column.key] ?? 0,
          textWidth(column.key),
          ...this.props.data.map((row) => textWidth(String(row[column.column] ?? ''))),
        ) +
        padding * 2,
    }));
  }

  override render() {
    const columns = this.getColumns();
    const keys = columns.map((column) => column.key);
    return (
      <Box flexDirection="column">
        {this.header({ key: 'header', columns, data: {} })}
        {this.heading({ key: 'heading', columns, data: this.getHeadings() })}
        {this.separator({ key: 'separator', columns, data: {} })}
        {this.props.data.map((row, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional in a scrolled window
          <RowContext.Provider key={index} value={{ row, columns: keys }}>
            {this.data({ key: `row-${index}`, columns, data: row })}
          </RowContext.Provider>
        ))}
        {this.footer({ key: 'footer', columns, data: {} })}
      </Box>
    );
  }
}

/**
 * A table of text rows; `columns` fixes the order (and shows headings with no rows). `widths`,
 * when the rows are a scrolled window of more: each column's width over all of them, so the
 * table does not change width as other rows scroll into view.
 */
export function DataTable<T extends Row>(props: {
  rows: T[];
  columns: (keyof T & string)[];
  cellStyle?: CellStyle;
  widths?: Partial<Record<keyof T & string, number>>;
}) {
  return (
    <CellStyleContext.Provider value={props.cellStyle ?? null}>
      <CompactTable<T>
        data={props.rows}
        columns={props.columns}
        cell={StyledCell}
        widths={props.widths}
      />
    </CellStyleContext.Provider>
  );
}

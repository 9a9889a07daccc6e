import { Text } from 'ink';
import { formatSize } from '../../format.ts';
import { formatTarget } from '../../peer/download/download-target.ts';
import { type CellStyle, DataTable } from '../components/CompactTable.tsx';
import { OverlayBox } from '../components/OverlayBox.tsx';
import { fitTable, truncate } from '../text.ts';
import type { EntryPickerState } from './entry-picker.ts';

const SELECTED = '▸ ';
const UNSELECTED = '  ';
/** Border (2 lines), title, two lines of explanation, table chrome (3), keys line. */
const CHROME_LINES = 9;

const rowStyle: CellStyle = (row) => (row.file?.startsWith(SELECTED) ? { inverse: true } : {});

/** `big.bin@3fa2c1d0` for a target that names a file by infohash, else the name alone. */
export function shortTarget(name: string, target?: string): string {
  if (target === undefined || target === name) return name;
  return formatTarget(name, target.slice(target.lastIndexOf('@') + 1));
}

/**
 * The files that share one name, side by side, for a person to pick one: infohash prefix, size,
 * owners complete and partial, and the best owner's credit. Nothing here says which is genuine:
 * owners are cheap (anyone can announce a name from a few nodes); credit is bytes those owners
 * uploaded and downloaders verified.
 */
export function EntryPicker(props: { picker: EntryPickerState; height: number; width: number }) {
  const { picker } = props;
  const inner = props.width - 4;
  const rowsShown = Math.max(1, props.height - CHROME_LINES);
  const first = Math.min(
    Math.max(0, picker.selected - rowsShown + 1),
    Math.max(0, picker.choices.length - rowsShown),
  );
  const rows = picker.choices.slice(first, first + rowsShown).map((choice, index) => ({
    file: `${first + index === picker.selected ? SELECTED : UNSELECTED}${formatTarget(choice.name, choice.infohashHex)}`,
    size: formatSize(choice.sizeBytes),
    owners: String(choice.ownerCount),
    complete: String(choice.completeOwners),
    partial: String(choice.partialOwners),
    'best credit': formatSize(choice.bestCreditBytes),
  }));
  const fitted = fitTable(
    rows,
    ['file', 'size', 'owners', 'complete', 'partial', 'best credit'],
    inner,
    { flexible: ['file'], droppable: ['partial', 'complete'] },
  );
  return (
    <OverlayBox height={props.height} width={props.width}>
      <Text bold>
        {truncate(`${picker.choices.length} files are named ${picker.name}: pick one`, inner)}
      </Text>
      <Text dimColor>
        {truncate('Anyone can announce a name, and owners are cheap: not guessing.', inner)}
      </Text>
      <Text dimColor>
        {truncate('Credit: bytes its owners uploaded that downloaders verified.', inner)}
      </Text>
      <DataTable rows={fitted.rows} columns={fitted.columns} cellStyle={rowStyle} />
      <Text>{truncate('↑↓ move  Enter download this one  Esc close', inner)}</Text>
    </OverlayBox>
  );
}

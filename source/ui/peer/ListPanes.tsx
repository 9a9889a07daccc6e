import { Box, Text } from 'ink';
import { formatSize } from '../../format.ts';
import { formatTarget } from '../../peer/download/download-target.ts';
import type { LocalFileSnapshot, PeerSnapshot } from '../../peer/peer-snapshot.ts';
import type { SwarmFile, SwarmListing } from '../../peer/swarm-directory.ts';
import { shownName } from '../../protocol/names.ts';
import { type CellStyle, DataTable } from '../components/CompactTable.tsx';
import { PaneTitle } from '../components/PaneTitle.tsx';
import {
  type FitOptions,
  firstFitting,
  fitTable,
  naturalTableWidth,
  naturalWidths,
  rowsShown,
  tableWidthOf,
  textWidth,
  truncate,
  truncateMiddle,
  wrapShorteningWords,
} from '../text.ts';

/** The last outcome of an action in a pane, shown on its own line there. */
export interface Notice {
  text: string;
  error: boolean;
}

const SELECTED = '▸ ';
const UNSELECTED = '  ';

const FILE_COLUMNS: ('name' | 'size' | 'state')[] = ['name', 'size', 'state'];
const SWARM_COLUMNS: ('name' | 'size' | 'owners')[] = ['name', 'size', 'owners'];

/**
 * The rows on screen, fitted as if the table showed every row (`atLeast`: the natural widths of
 * all of them): its columns keep their width while it scrolls (sized to the rows on screen, a
 * pane grew and shrank as names of other lengths went by).
 */
function fitWindow<T extends Record<string, string>, K extends keyof T & string>(
  shown: T[],
  atLeast: Record<K, number>,
  columns: K[],
  maxWidth: number,
  options: FitOptions<K>,
): { rows: T[]; columns: K[]; widths: Record<K, number> } {
  const fitted = fitTable(shown, columns, maxWidth, { ...options, atLeast });
  return { rows: fitted.rows, columns: fitted.columns, widths: fitted.widths };
}

/**
 * `compute`, called again only when an argument is another object than the last call's: the
 * natural widths of 5,000 rows, each cell measured, were computed at every redraw of an idle view.
 */
function keptWhileSame<A extends readonly unknown[], R>(compute: (...args: A) => R) {
  let last: { args: A; result: R } | null = null;
  return (...args: A): R => {
    if (last !== null && args.every((arg, i) => arg === last!.args[i])) return last.result;
    last = { args, result: compute(...args) };
    return last.result;
  };
}

/** The selection marker is as wide as the lack of one: widths do not depend on the selection. */
const filesNaturalWidths = keptWhileSame((files: readonly LocalFileSnapshot[]) =>
  naturalWidths(fileRows(files, -1), FILE_COLUMNS),
);
const swarmNaturalWidths = keptWhileSame(
  (listing: SwarmListing, files: readonly SwarmFile[], owned: ReadonlySet<string>) =>
    naturalWidths(swarmRows(listing, files, owned, -1), SWARM_COLUMNS),
);

/** The rows of a list that fit, keeping the selected one visible. */
function windowOf<T>(
  items: readonly T[],
  selected: number,
  rows: number,
): { shown: T[]; first: number } {
  const first = Math.min(Math.max(0, selected - rows + 1), Math.max(0, items.length - rows));
  return { shown: items.slice(first, first + rows), first };
}

/**
 * The selected row stands out; an entry that cannot be shared is greyed, its reason kept; files
 * that share a name with another are yellow (which one is genuine is a person's choice).
 */
const rowStyle: CellStyle = (row) => ({
  ...(row.name?.startsWith(SELECTED) ? { bold: true, inverse: true } : {}),
  ...(row.kind === 'unsupported' ? { dimColor: true } : {}),
  ...(row.kind === 'shared-name' ? { color: 'yellow' } : {}),
});

function fileState(file: LocalFileSnapshot): string {
  switch (file.state.kind) {
    case 'seeding':
      // Served to whoever asks, but the tracker refused to list it (its reason is in the log):
      // nobody finds it through the tracker.
      return file.state.unlistedBecause === null ? 'seeding' : 'seeding, not listed';
    case 'hashing':
      return `hashing ${file.state.percent}%`;
    case 'changed':
      // Withdrawn; hashed and seeded again by itself once it stops changing (s: at once).
      return 'changed on disk';
    case 'new':
      // New under --seed-all: seeded by itself once it stops changing (s: at once).
      return 'new, settling';
    case 'downloading':
      return 'downloading';
    case 'error':
      return `error: ${file.state.reason}`;
    case 'unsupported':
      // The reason says what the entry is first: "a folder: only plain files can be shared".
      return file.state.reason;
    default:
      return 'not shared';
  }
}

/**
 * The notice's rows. An error wraps to a second row, taken from the table while it shows: cut at
 * a half-screen pane's width, `back\slash.bin cannot be shared: its name contains a back…` hid
 * the reason, and nothing else showed it whole (until 2026-12-06, found by hand).
 */
function noticeRows(notice: Notice | undefined, width: number, maxRows: number): string[] {
  if (!notice) return [' '];
  const text = `${notice.error ? '✗' : '✓'} ${notice.text}`;
  return notice.error ? wrapShorteningWords(text, width, maxRows, 2) : [truncate(text, width)];
}

function fileRows(files: readonly LocalFileSnapshot[], selected: number) {
  return files.map((file, index) => ({
    name: `${index === selected ? SELECTED : UNSELECTED}${shownName(file.name)}`,
    size: file.state.kind === 'unsupported' ? '' : formatSize(file.sizeBytes),
    state: fileState(file),
    // Not a column: tells rowStyle to grey the row.
    kind: file.state.kind,
  }));
}

/** The empty folder's line where the pane is narrow. */
const EMPTY_FOLDER_SHORT = '(empty: copy files in)';

/** Cells My files needs to show every row uncut (with the gap to the next pane). */
export function filesPaneWidthNeeded(files: readonly LocalFileSnapshot[]): number {
  const table = tableWidthOf(filesNaturalWidths(files), FILE_COLUMNS);
  return Math.max(table, files.length === 0 ? textWidth(EMPTY_FOLDER_SHORT) : 0) + 1;
}

/** Cells Swarm files needs to show every listed file uncut (a filter does not change it). */
export function swarmPaneWidthNeeded(listing: SwarmListing, owned: ReadonlySet<string>): number {
  return naturalTableWidth(swarmRows(listing, listing.files, owned, -1), SWARM_COLUMNS);
}

/** "My files": the node folder, live, with each file's state; Enter or s seeds / stops. */
export function FilesPane(props: {
  files: readonly LocalFileSnapshot[];
  selected: number;
  focused: boolean;
  rows: number;
  width: number;
  notice?: Notice;
}) {
  const notice = noticeRows(props.notice, props.width - 1, props.rows > 1 ? 2 : 1);
  const rows = props.rows - (notice.length - 1);
  const { first, shown } = windowOf(props.files, props.selected, rows);
  const selected = props.focused ? props.selected - first : -1;
  const atLeast = filesNaturalWidths(props.files);
  const fitted = fitWindow(fileRows(shown, selected), atLeast, FILE_COLUMNS, props.width - 1, {
    flexible: ['name', 'state'],
    // A long state (why a folder or an odd name is not shared) gives up room before the name.
    cutFirst: ['state'],
    // Near the smallest terminal, sizes go before names are cut to nothing (see Swarm files);
    // names give up room down to 8 cells first.
    droppable: ['size'],
    softMinWidth: 8,
    cutters: { name: truncateMiddle },
  });
  return (
    <Box flexDirection="column" width={props.width}>
      <PaneTitle
        title={`My files (${props.files.length})${rowsShown(first, rows, props.files.length)}`}
        focused={props.focused}
        width={props.width - 1}
      />
      <DataTable
        rows={fitted.rows}
        columns={fitted.columns}
        widths={fitted.widths}
        cellStyle={rowStyle}
      />
      {props.files.length === 0 ? (
        <Text dimColor>
          {firstFitting(
            ['(folder is empty: copy files in to seed them)', EMPTY_FOLDER_SHORT],
            props.width - 1,
          )}
        </Text>
      ) : null}
      <Text color={props.notice?.error ? 'red' : 'green'}>{notice.join('\n')}</Text>
    </Box>
  );
}

/** Names that more than one listed file has. */
function sharedNames(files: readonly SwarmFile[]): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const file of files) {
    if (seen.has(file.name)) shared.add(file.name);
    seen.add(file.name);
  }
  return shared;
}

/** ` of 5000` when the listing holds fewer files than the tracker has. */
function ofTotal(listing: SwarmListing): string {
  const listed = listing.files.length;
  return listing.totalFiles > listed ? ` of ${listing.totalFiles}` : '';
}

/** What a listing cut at its page limit leaves out, and the way to the rest. */
function cutListing(listing: SwarmListing): string {
  if (listing.totalFiles <= listing.files.length) return '';
  return `the first ${listing.files.length} by name; D downloads any by name`;
}

/**
 * A filter that matches nothing listed. Of a listing cut at its page limit, only what was listed
 * was searched: `no file in the swarm matches` said so of files the swarm has (a stranger's 2,240
 * files named to sort first hid every real one; found by a session).
 */
function noMatch(listing: SwarmListing): string {
  if (listing.totalFiles <= listing.files.length) return 'no file in the swarm matches';
  return `none of the first ${listing.files.length} listed match; D downloads by name`;
}

/**
 * The files this node is an owner of as the tracker counts them: those it seeds, and those it
 * downloads and whose verified pieces the tracker knows it serves (OWN partial acknowledged).
 */
export function ownedHere(snapshot: PeerSnapshot): ReadonlySet<string> {
  const owned = new Set<string>();
  for (const file of snapshot.files) {
    if (file.state.kind === 'seeding') owned.add(file.state.infohashHex);
  }
  for (const download of snapshot.downloads) {
    if (download.partialOwner) owned.add(download.infohashHex);
  }
  return owned;
}

/**
 * A swarm file's owners: the tracker's count, or `you + N` when this node is one of them (before,
 * a file being downloaded from 2 others said `3`, this node counted among its own sources).
 */
function ownersCell(file: SwarmFile, owned: ReadonlySet<string>): string {
  if (!owned.has(file.infohashHex)) return String(file.ownerCount);
  // The listing is read again as soon as this node becomes an owner (keepSwarmListingLive); one
  // read before that does not count it yet.
  return file.ownerCount > 1 ? `you + ${file.ownerCount - 1}` : 'you';
}

function swarmRows(
  listing: SwarmListing,
  files: readonly SwarmFile[],
  owned: ReadonlySet<string>,
  selected: number,
) {
  const shared = sharedNames(listing.files);
  return files.map((file, index) => ({
    name: `${index === selected ? SELECTED : UNSELECTED}${shared.has(file.name) ? formatTarget(shownName(file.name), file.infohashHex) : shownName(file.name)}`,
    size: formatSize(file.sizeBytes),
    owners: ownersCell(file, owned),
    // Not a column: tells rowStyle to colour the row.
    kind: shared.has(file.name) ? 'shared-name' : '',
  }));
}

/**
 * "Swarm files": what the tracker lists; Enter or d downloads, / filters, r refreshes. Files
 * that share a name are shown as NAME@PREFIX, and d takes the one on the row.
 */
export function SwarmPane(props: {
  listing: SwarmListing;
  files: readonly SwarmFile[];
  /** Infohashes this node is an owner of (ownedHere). */
  owned: ReadonlySet<string>;
  filter: string;
  selected: number;
  focused: boolean;
  rows: number;
  width: number;
}) {
  const { first, shown } = windowOf(props.files, props.selected, props.rows);
  const selected = props.focused ? props.selected - first : -1;
  const atLeast = swarmNaturalWidths(props.listing, props.files, props.owned);
  const rows = swarmRows(props.listing, shown, props.owned, selected);
  const fitted = fitWindow(rows, atLeast, SWARM_COLUMNS, props.width, {
    flexible: ['name'],
    // At 60 columns a name was cut to `b…` beside `16.0 MiB` and `you + 1` (found by hand): the
    // owner count goes first, the name keeps 12 cells.
    droppable: ['owners'],
    // In its middle, as Downloads cuts it: cut at its end, two names that differ at the end
    // (`…-v2.bin`, `…-v3.bin`) were one row twice (found by a session).
    cutters: { name: truncateMiddle },
  });
  const filter = props.filter ? ` · filter "${props.filter}"` : '';
  const status =
    props.listing.state === 'loading'
      ? 'refreshing…'
      : props.listing.state === 'error'
        ? props.listing.error
        : props.listing.state === 'empty'
          ? 'press r to list the swarm'
          : props.files.length > 0
            ? cutListing(props.listing)
            : props.filter
              ? noMatch(props.listing)
              : 'the swarm has no files yet (r refreshes)';
  return (
    <Box flexDirection="column" width={props.width}>
      <PaneTitle
        title={`Swarm files (${props.files.length}${props.filter ? '' : ofTotal(props.listing)})${filter}${rowsShown(first, props.rows, props.files.length)}`}
        focused={props.focused}
        width={props.width}
      />
      <DataTable
        rows={fitted.rows}
        columns={fitted.columns}
        widths={fitted.widths}
        cellStyle={rowStyle}
      />
      <Text
        color={props.listing.state === 'error' ? 'red' : undefined}
        dimColor={props.listing.state !== 'error'}
      >
        {truncate(status || ' ', props.width)}
      </Text>
    </Box>
  );
}

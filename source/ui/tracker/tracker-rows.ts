import { formatDuration, formatSize, shortInfohash } from '../../format.ts';
import { plural } from '../../tracker/events.ts';
import type { FileRow, NodeRow, TrackerSnapshot } from '../../tracker/snapshot.ts';
import {
  addressHost,
  addressReadableWidth,
  fitTable,
  naturalWidths,
  truncateAddress,
  truncateMiddle,
} from '../text.ts';

/** How the nodes table is ordered; `s` cycles through them. */
export type NodeSort = 'id' | 'credit' | 'last heard';
export const NODE_SORTS: NodeSort[] = ['id', 'credit', 'last heard'];

/** Column keys are the headings the table shows. */
export const NODE_COLUMNS = [
  'node',
  'address',
  'tracker',
  'heartbeat',
  'files',
  'credit',
  'joined',
] as const;
export type NodeCells = Record<(typeof NODE_COLUMNS)[number], string>;

/**
 * Owners in rank order, each as node·credit, and how many other hosts credited it where any did:
 * that count ranks owners, not the bytes (see ranking.ts). Without it, owners of equal rank (on
 * one machine every owner: credits from its own host do not count) looked out of order.
 */
export const OWNERS_COLUMN = 'owners (by hosts served)';
export const FILE_COLUMNS = ['file', 'size', 'infohash', OWNERS_COLUMN, 'note'] as const;
export type FileCells = Record<(typeof FILE_COLUMNS)[number], string>;

/**
 * The rows of a table the view shows, and the widths its other rows need (see nodeWidths): only
 * the rows shown are formatted, and the columns stay as wide as all rows need, so they do not
 * jump as it scrolls. Formatting all 2,000 nodes and 6,000 files of a busy swarm for every
 * frame (each new snapshot, each log line drew one) kept a tracker view at 33-52 % of a core
 * where the headless tracker used 3 % (found by hand).
 */
export interface TableWindow<K extends string> {
  from: number;
  count: number;
  atLeast?: Record<K, number>;
  /** What `/` typed: only the rows it matches are listed (see nodesShown, filesShown). */
  filter?: string;
}

const EVERY_ROW = { from: 0, count: Number.POSITIVE_INFINITY };

/** Sorted once per snapshot and order: the view draws many frames of one snapshot. */
const sortedOnce = new WeakMap<readonly NodeRow[], Map<NodeSort, NodeRow[]>>();

function sortNodes(nodes: readonly NodeRow[], sort: NodeSort): NodeRow[] {
  let bySort = sortedOnce.get(nodes);
  if (!bySort) {
    bySort = new Map();
    sortedOnce.set(nodes, bySort);
  }
  let sorted = bySort.get(sort);
  if (!sorted) {
    sorted = sortedBy(nodes, sort);
    bySort.set(sort, sorted);
  }
  return sorted;
}

function sortedBy(nodes: readonly NodeRow[], sort: NodeSort): NodeRow[] {
  const sorted = [...nodes];
  // The tracker's own rank first (distinct downloader hosts), then the bytes reported.
  if (sort === 'credit')
    sorted.sort(
      (a, b) =>
        b.downloaders - a.downloaders || b.uploadCredit - a.uploadCredit || a.nodeId - b.nodeId,
    );
  else if (sort === 'last heard')
    // A restored node was never heard by this tracker: after every node that was.
    sorted.sort(
      (a, b) =>
        Number(a.status === 'restored') - Number(b.status === 'restored') ||
        a.lastHeardAgoMs - b.lastHeardAgoMs ||
        a.nodeId - b.nodeId,
    );
  else sorted.sort((a, b) => a.nodeId - b.nodeId);
  return sorted;
}

/** The last filter applied to a list and the rows it kept: a view draws many frames of one. */
const filteredOnce = new WeakMap<readonly object[], { needle: string; kept: readonly object[] }>();

function keepMatching<T extends object>(
  rows: readonly T[],
  filter: string,
  matches: (row: T, needle: string) => boolean,
): readonly T[] {
  const needle = filter.trim().toLowerCase();
  if (needle === '') return rows;
  const last = filteredOnce.get(rows);
  if (last?.needle === needle) return last.kept as readonly T[];
  const kept = rows.filter((row) => matches(row, needle));
  filteredOnce.set(rows, { needle, kept });
  return kept;
}

/**
 * A node by the first digits of its id, or by any part of its address or tracker when the filter
 * looks like one (has `.` or `:`): digits alone are in nearly every address (127.0.0.1, 192.168…),
 * and `/2` meant to find node 2 listed them all (found by hand).
 */
const nodeMatches = (node: NodeRow, needle: string): boolean =>
  String(node.nodeId).startsWith(needle) ||
  (/[.:]/.test(needle) &&
    (node.address.toLowerCase().includes(needle) || node.tracker.toLowerCase().includes(needle)));

/**
 * A file by any part of its name, the start of its infohash (the start is what the table shows),
 * or an owner whose id is the filter: `/1340` lists node 1340 in the nodes table and, in the
 * owner index, the files it owns or partly owns.
 */
const fileMatches = (file: FileRow, needle: string): boolean =>
  file.name.toLowerCase().includes(needle) ||
  file.infohashHex.startsWith(needle) ||
  file.owners.some((owner) => String(owner.nodeId) === needle);

/** The nodes the table lists, in order: those the filter matches (see nodeMatches); all without one. */
export function nodesShown(
  snapshot: TrackerSnapshot,
  sort: NodeSort,
  filter = '',
): readonly NodeRow[] {
  return keepMatching(sortNodes(snapshot.nodes, sort), filter, nodeMatches);
}

/** The files the owner index lists: those the filter matches (see fileMatches); all without one. */
export function filesShown(snapshot: TrackerSnapshot, filter = ''): readonly FileRow[] {
  return keepMatching(snapshot.files, filter, fileMatches);
}

/**
 * Credit cell: bytes reported by downloaders, and (what ranks the node) how many other hosts
 * credited it, e.g. `2.0 MiB · 3 hosts`.
 */
function creditText(node: NodeRow): string {
  const bytes = formatSize(node.uploadCredit);
  if (node.downloaders === 0) return bytes;
  return `${bytes} · ${node.downloaders} ${node.downloaders === 1 ? 'host' : 'hosts'}`;
}

/**
 * Heartbeat cell: status and the age of the last heartbeat, e.g. `alive 3s`, `late 25s`; for a
 * node restored from the store and not heard yet, the time since it was restored (`restored 3s`).
 */
export function heartbeatText(node: NodeRow): string {
  return `${node.status} ${formatDuration(node.lastHeardAgoMs)}`;
}

function nodeRowCells(node: NodeRow): NodeCells {
  return {
    node: String(node.nodeId),
    address: node.address,
    tracker: node.tracker,
    heartbeat: heartbeatText(node),
    files: String(node.filesSeeded),
    credit: creditText(node),
    joined: new Date(node.joinedAtWallMs).toISOString().slice(11, 19),
  };
}

/** The nodes table, sorted and filtered, as text cells (the rows of `window`) fitted to `width`. */
export function nodeCells(
  snapshot: TrackerSnapshot,
  sort: NodeSort,
  width: number,
  window: TableWindow<keyof NodeCells> = EVERY_ROW,
): {
  rows: NodeCells[];
  columns: (keyof NodeCells)[];
  widths: Record<keyof NodeCells, number>;
  nodes: readonly NodeRow[];
} {
  const nodes = nodesShown(snapshot, sort, window.filter);
  const rows = nodes.slice(window.from, window.from + window.count).map(nodeRowCells);
  const address = addressCut(rows, 'address');
  const tracker = addressCut(rows, 'tracker');
  const fitted = fitTable(rows, nodeColumns(snapshot), width, {
    // The tracker column (a shared store) is an address too: fixed, it pushed the table past 60
    // columns, which lost its left border (found by a session).
    flexible: ['address', 'tracker'],
    cutters: { address: address.cutter, tracker: tracker.cutter },
    readableWidths: { address: address.readable, tracker: tracker.readable },
    droppable: ['joined'],
    ...(window.atLeast ? { atLeast: window.atLeast } : {}),
  });
  return { rows: fitted.rows, columns: fitted.columns, widths: fitted.widths, nodes };
}

/**
 * How an address column is cut, and the cells it needs to keep every row's port (loops: rows may
 * be 100,000). Where every row has one host (the nodes of one machine: a demo, a class on one
 * laptop) the port is what tells them apart, and the host may go down to `…` (at 60 columns both
 * address columns read `127.0.…` or `127.0.0…` on every row, found by a session).
 */
function addressCut(
  rows: readonly NodeCells[],
  key: 'address' | 'tracker',
): { cutter: (text: string, width: number) => string; readable: number } {
  const host = rows.length > 0 ? addressHost(rows[0]![key]) : '';
  let oneHost = true;
  for (const row of rows) if (addressHost(row[key]) !== host) oneHost = false;
  const minHostCells = oneHost ? 1 : 3;
  let readable = 0;
  for (const row of rows)
    readable = Math.max(readable, addressReadableWidth(row[key], minHostCells));
  return { cutter: (text, width) => truncateAddress(text, width, minHostCells), readable };
}

/** The cells every node's row needs in each column: what a window's columns keep. */
export function nodeWidths(snapshot: TrackerSnapshot): Record<keyof NodeCells, number> {
  return naturalWidths(snapshot.nodes.map(nodeRowCells), nodeColumns(snapshot));
}

/** The tracker column only when trackers share the swarm (a shared store): else it is empty. */
function nodeColumns(snapshot: TrackerSnapshot): (keyof NodeCells)[] {
  const shared = snapshot.nodes.some((node) => node.tracker !== '');
  return shared ? [...NODE_COLUMNS] : NODE_COLUMNS.filter((column) => column !== 'tracker');
}

/**
 * node·credit per owner, then ·N hosts where other hosts credited it; ◐ marks a partial owner (a
 * downloader serving the pieces it has).
 */
function ownersText(file: FileRow): string {
  return file.owners
    .map((owner) => {
      const hosts = owner.downloaders > 0 ? `·${plural(owner.downloaders, 'host')}` : '';
      return `${owner.nodeId}${owner.complete ? '' : '◐'}·${formatSize(owner.uploadCredit)}${hosts}`;
    })
    .join(' ');
}

/**
 * How many owners have the whole file and how many only some pieces, while a swarm downloads it;
 * otherwise whether the file is down to its last owner.
 */
function fileNote(file: FileRow): string {
  if (file.partialOwners === 0) return file.lastOwner ? 'last owner' : '';
  const copies = `${file.completeOwners} full + ${file.partialOwners} partial`;
  return file.completeOwners === 1 ? `${copies}, last full copy` : copies;
}

function fileRowCells(file: FileRow): FileCells {
  return {
    file: file.name,
    size: formatSize(file.sizeBytes),
    infohash: shortInfohash(file.infohashHex),
    [OWNERS_COLUMN]: ownersText(file),
    note: fileNote(file),
  };
}

/**
 * The owner index, filtered, as text cells (the rows of `window`) fitted to `width`; owner counts
 * or the last owner in the note.
 */
export function fileCells(
  snapshot: TrackerSnapshot,
  width: number,
  window: TableWindow<keyof FileCells> = EVERY_ROW,
): {
  rows: FileCells[];
  columns: (keyof FileCells)[];
  widths: Record<keyof FileCells, number>;
  files: readonly FileRow[];
} {
  const files = filesShown(snapshot, window.filter);
  const rows = files.slice(window.from, window.from + window.count).map(fileRowCells);
  const fitted = fitTable(rows, FILE_COLUMNS, width, {
    // The note too: a swarmed file's `1 full + 1 partial, last full copy` beside a long name
    // pushed the table past 62 columns, which lost its left border and cut every column (found
    // by hand in tmux).
    flexible: ['file', OWNERS_COLUMN, 'note'],
    // A name in its middle (names that differ at their end stay apart), and 12 cells of it kept
    // while the note can give room: at 60 columns it read `qua…` beside a note of 14 cells
    // (found by a session).
    cutters: { file: truncateMiddle },
    readableWidths: { file: MIN_FILE_CELLS },
    droppable: ['infohash'],
    ...(window.atLeast ? { atLeast: window.atLeast } : {}),
  });
  return { rows: fitted.rows, columns: fitted.columns, widths: fitted.widths, files };
}

const MIN_FILE_CELLS = 12;

/** The cells every file's row needs in each column: what a window's columns keep. */
export function fileWidths(snapshot: TrackerSnapshot): Record<keyof FileCells, number> {
  return naturalWidths(snapshot.files.map(fileRowCells), FILE_COLUMNS);
}

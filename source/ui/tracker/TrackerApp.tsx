import { Box, Text } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatDuration } from '../../format.ts';
import type { LogLine } from '../../log/logger.ts';
import type { TrackerSnapshot } from '../../tracker/snapshot.ts';
import type { CellStyle } from '../components/CompactTable.tsx';
import { HelpLine, type KeyHelp, SUSPEND_KEY } from '../components/HelpLine.tsx';
import { HelpOverlay } from '../components/HelpOverlay.tsx';
import { InputLine } from '../components/InputLine.tsx';
import { LogPane } from '../components/LogPane.tsx';
import { SmallTerminal } from '../components/SmallTerminal.tsx';
import { TablePane } from '../components/TablePane.tsx';
import { useKeys } from '../hooks/use-keys.ts';
import { useLogAnchor } from '../hooks/use-log-anchor.ts';
import { type Store, useRedrawThrottle, useStore } from '../hooks/use-store.ts';
import { type TerminalSize, useTerminalSize } from '../hooks/use-terminal-size.ts';
import { clampScroll, pastedLine } from '../keys.ts';
import { rowsShown, truncate } from '../text.ts';
import { trackerLayout } from './tracker-layout.ts';
import { fileCells, filesShown, nodeCells, nodesShown } from './tracker-rows.ts';
import {
  initialTrackerViewState,
  reduceTrackerView,
  type TrackerViewState,
} from './tracker-view-state.ts';
import { useRowWidths } from './use-row-widths.ts';

/** Every key, for the help overlay and a help line of 90 columns or more. */
export const TRACKER_KEYS: KeyHelp[] = [
  { keys: 'q', action: 'quit' },
  { keys: '?', action: 'help' },
  { keys: 'Tab', action: 'pane' },
  { keys: '↑↓ jk', action: 'scroll' },
  { keys: 'PgUp/Dn', action: 'page' },
  { keys: 'Home/End g/G', action: 'ends' },
  { keys: 's', action: 'sort' },
  { keys: '/', action: 'filter' },
];

/**
 * Keys the overlay lists beyond the help line's (README's table has them all); `t` only in the
 * demo. Until 2026-12-07 the overlay left these out (found by a session).
 */
const MORE_KEYS: KeyHelp[] = [
  { keys: 'Ctrl+C', action: 'quit' },
  { keys: 'Shift+Tab', action: 'pane back' },
];
const SWITCH_TO_PEER_VIEW: KeyHelp = { keys: 't', action: 'switch to the peer view' };

/** The help line's sets, the first that fits drawn: 80 columns fit the second (Home/End left out). */
const HELP_LINE_KEYS: KeyHelp[][] = [
  TRACKER_KEYS,
  TRACKER_KEYS.map((key) => (key.keys === 'Home/End g/G' ? { ...key, keys: 'g/G' } : key)),
];

/** How owners are ranked (the `?` overlay): the same rule README states under Credits. */
export const RANKING_NOTES = [
  'Owners rank by hosts: other hosts that say they downloaded from them.',
  'Credit bytes are reported by downloaders, capped per host and file.',
  'Bytes are shown, never ranked. A host counts once, never for its own nodes.',
  'Late owners, and restored ones not heard yet, come after alive ones.',
];

/** What `/` matches (the `?` overlay, which wraps it; README says the same). */
export const FILTER_NOTES = [
  "/ filters both tables: nodes by id (its first digits) or address (with . or :), files by name (any part), infohash (its start) or an owner's id. Esc clears it.",
];

/**
 * Heartbeat status colours: alive green, late and restored (not heard yet) yellow, dropped red
 * and the whole row greyed.
 */
const nodeStyle: CellStyle = (row, column) => {
  const status = row.heartbeat?.split(' ')[0];
  if (status === 'dropped')
    return column === 'heartbeat' ? { color: 'red', dimColor: true } : { dimColor: true };
  if (column !== 'heartbeat') return {};
  return { color: status === 'alive' ? 'green' : 'yellow' };
};

const fileStyle: CellStyle = (row, column) =>
  column === 'note' && row.note ? { color: 'yellow' } : {};

export interface TrackerAppProps {
  tracker: Store<TrackerSnapshot>;
  log: Store<readonly LogLine[]>;
  onQuit(): void;
  /** Tests fix the size; the real view follows the terminal. */
  size?: TerminalSize;
  /** In the demo, `t` switches to the peer view. */
  onSwitchView?: () => void;
  /** The log file's name, for the log pane's title (`tracker.log` unless another has it). */
  logName?: string;
  /** In the demo: the state the view had when it was last left, and where to keep it. */
  keptState?: TrackerViewState;
  keepState?: (state: TrackerViewState) => void;
  /** Redraws for the tracker's changes at most this often (keys redraw at once); see below. */
  redrawEveryMs?: number;
}

/**
 * The tracker view redraws for the tracker's own changes at most once a second: what it shows
 * moves in seconds (heartbeat ages, requests a second), and every heartbeat and request is a
 * change. At 100 ms, a view of 200 simulated nodes (bench/lib/tracker-load.ts, 11 requests a
 * second, 120x40) drew 2–4 frames a second of ~30 ms each and used 13 % of a core; an idle one
 * of 3 peers 2.3 %, at 1.3 frames a second.
 */
export const TRACKER_REDRAW_MS = 1_000;

/**
 * On every address (0.0.0.0), what a latecomer on another machine gives as --tracker: the
 * first log line says it too, but scrolls away.
 */
function listeningFor(header: TrackerSnapshot['header']): string {
  const elsewhere = header.addressForNodes;
  return elsewhere && elsewhere !== header.listeningAddress ? ` (--tracker ${elsewhere})` : '';
}

/** The full-screen tracker view: header, nodes table, owner index, log, help line. */
export function TrackerApp(props: TrackerAppProps) {
  const redrawEveryMs = props.redrawEveryMs ?? TRACKER_REDRAW_MS;
  const redraws = useRedrawThrottle(redrawEveryMs);
  const snapshot = useStore(props.tracker, redraws);
  // Once the swarm had nodes (files), an empty table is not `yet`: every node had left and the
  // view still said `no nodes yet` (found by a session).
  const seen = useRef({ nodes: false, files: false });
  if (snapshot.nodes.length > 0) seen.current.nodes = true;
  if (snapshot.files.length > 0) seen.current.files = true;
  const lines = useStore(props.log, redraws);
  const terminal = useTerminalSize();
  const { columns, rows } = props.size ?? terminal;
  // Back from the peer view, the log follows its newest line again: it moved on meanwhile.
  const [state, setState] = useState(() => {
    const kept = props.keptState;
    return kept ? { ...kept, offsets: { ...kept.offsets, log: 0 } } : initialTrackerViewState;
  });
  // Keys that arrive in one read (`/q` from tmux send-keys, a slow SSH link) are handled before
  // a render: each must see the state the one before it left. With the state of the last render,
  // `q` right after `/` quit the tracker instead of being typed (found by a session).
  const latest = useRef(state);
  const dispatch = useCallback((action: Parameters<typeof reduceTrackerView>[1]) => {
    latest.current = reduceTrackerView(latest.current, action);
    setState(latest.current);
  }, []);
  const { keepState } = props;
  useEffect(() => keepState?.(state), [keepState, state]);
  const { focus, sort, helpOpen, offsets, filter, typingFilter } = state;

  // The panes are sized by every row, not the filtered ones: they stay put while a filter is typed.
  const layout = trackerLayout(rows, snapshot.nodes.length, snapshot.files.length);
  const visible = {
    nodes: layout?.nodeRows ?? 1,
    files: layout?.fileRows ?? 1,
    log: layout?.logLines ?? 1,
  };
  const shownNodes = nodesShown(snapshot, sort, filter);
  const shownFiles = filesShown(snapshot, filter);
  const totals = { nodes: shownNodes.length, files: shownFiles.length, log: lines.length };
  const nodesFrom = clampScroll(offsets.nodes, totals.nodes, visible.nodes);
  const filesFrom = clampScroll(offsets.files, totals.files, visible.files);
  // Only the rows shown are formatted, their columns as wide as every row needs (TableWindow).
  const widths = useRowWidths(snapshot);
  const nodes = nodeCells(snapshot, sort, columns, {
    from: nodesFrom,
    count: visible.nodes,
    atLeast: widths.nodes,
    filter,
  });
  const files = fileCells(snapshot, columns, {
    from: filesFrom,
    count: visible.files,
    atLeast: widths.files,
    filter,
  });

  const shiftLogBack = useCallback(
    (arrived: number) => dispatch({ logGrewBy: arrived }),
    [dispatch],
  );
  useLogAnchor(lines, offsets.log, shiftLogBack);

  useKeys(
    (input, key) => {
      if (key.ctrl && input === 'c') return props.onQuit();
      // While the filter is typed, q and t are letters of it.
      const now = latest.current;
      if (input === 'q' && !now.typingFilter) return props.onQuit();
      if (input === 't' && props.onSwitchView && !now.helpOpen && !now.typingFilter)
        return props.onSwitchView();
      dispatch({ input, key, totals, visible });
    },
    {
      // Pasted into the filter line, the first line of it is typed there; elsewhere it is no key.
      onPaste: (text, key) => {
        if (!latest.current.typingFilter) return;
        for (const char of pastedLine(text)) dispatch({ input: char, key, totals, visible });
      },
    },
  );

  if (layout === null || columns < MIN_COLUMNS) {
    return (
      <SmallTerminal columns={columns} rows={rows} minColumns={MIN_COLUMNS} minRows={MIN_ROWS} />
    );
  }
  if (helpOpen) {
    return (
      <HelpOverlay
        title="bt-tui tracker"
        keys={[
          ...TRACKER_KEYS,
          ...MORE_KEYS,
          ...(props.onSwitchView ? [SWITCH_TO_PEER_VIEW] : []),
          SUSPEND_KEY,
        ]}
        notes={[...RANKING_NOTES, ...FILTER_NOTES]}
        height={rows - 1}
        width={columns}
      />
    );
  }

  const logBack = clampScroll(offsets.log, totals.log, visible.log);
  const header = snapshot.header;
  const filtered = filter.trim() === '' ? '' : ` · filter "${filter}"`;
  const ofAll = (shown: number, all: number) => (filtered ? `${shown} of ${all}` : `${all}`);
  const restored = header.nodesRestored > 0 ? `, ${header.nodesRestored} restored` : '';
  return (
    <Box flexDirection="column" width={columns} height={rows - 1}>
      <Text bold>
        {truncate(
          `bt-tui tracker · ${header.listeningAddress}${listeningFor(header)} · up ${formatDuration(header.uptimeMs)}`,
          columns,
        )}
      </Text>
      <Text>
        {truncate(
          `nodes ${header.nodesAlive} alive, ${header.nodesLate} late${restored} · files ${header.files} · ${header.requestsPerSecond} req/s · decode errors ${header.decodeErrors}`,
          columns,
        )}
      </Text>
      <TablePane
        title={`Nodes (${ofAll(totals.nodes, snapshot.nodes.length)}) · sort: ${sort}${filtered}${rowsShown(nodesFrom, visible.nodes, totals.nodes)}`}
        focused={focus === 'nodes'}
        width={columns}
        height={layout.nodesHeight}
        rows={nodes.rows}
        columns={nodes.columns}
        widths={nodes.widths}
        cellStyle={nodeStyle}
        empty={
          snapshot.nodes.length === 0
            ? `no nodes ${seen.current.nodes ? 'left' : 'yet'}: start one with bt-tui peer --id 1${header.addressForNodes ? ` --tracker ${header.addressForNodes}` : ''}`
            : 'no node matches the filter'
        }
      />
      <TablePane
        title={`Owner index (${ofAll(totals.files, snapshot.files.length)} file${snapshot.files.length === 1 ? '' : 's'})${filtered}${rowsShown(filesFrom, visible.files, totals.files)}`}
        focused={focus === 'files'}
        width={columns}
        height={layout.filesHeight}
        rows={files.rows}
        columns={files.columns}
        widths={files.widths}
        cellStyle={fileStyle}
        empty={
          snapshot.files.length === 0
            ? `no files ${seen.current.files ? 'left' : 'yet'}: nodes announce what they seed (--seed NAME, --seed-all, or s in the peer view)`
            : 'no file matches the filter'
        }
      />
      <LogPane
        title={`Log (${props.logName ?? 'tracker.log'})`}
        lines={lines}
        linesBack={logBack}
        height={layout.logHeight}
        width={columns}
        focused={focus === 'log'}
      />
      {typingFilter ? (
        <InputLine
          label="filter: "
          value={filter}
          fromEnd={state.filterFromEnd ?? 0}
          hint="  Enter keeps, Esc clears"
          columns={columns}
        />
      ) : (
        <HelpLine keys={HELP_LINE_KEYS} width={columns} />
      )}
    </Box>
  );
}

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 19;

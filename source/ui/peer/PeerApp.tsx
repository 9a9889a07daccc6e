import { Box, useInput } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type Clock, systemClock } from '../../clock.ts';
import { formatRate } from '../../format.ts';
import type { LogLine } from '../../log/logger.ts';
import type { PeerSnapshot } from '../../peer/peer-snapshot.ts';
import type { SwarmListing } from '../../peer/swarm-directory.ts';
import { HelpOverlay } from '../components/HelpOverlay.tsx';
import { LogPane } from '../components/LogPane.tsx';
import { SmallTerminal } from '../components/SmallTerminal.tsx';
import { useLogAnchor } from '../hooks/use-log-anchor.ts';
import { type Store, useRedrawThrottle, useStore } from '../hooks/use-store.ts';
import { type TerminalSize, useTerminalSize } from '../hooks/use-terminal-size.ts';
import { useWakeAt } from '../hooks/use-wake-at.ts';
import { PasteReader } from '../keys.ts';
import { BottomLine } from './BottomLine.tsx';
import { downloadBlockHeight } from './DownloadBlock.tsx';
import { DownloadsPane, fitDownloads } from './DownloadsPane.tsx';
import { EntryPicker, shortTarget } from './EntryPicker.tsx';
import {
  FilesPane,
  filesPaneWidthNeeded,
  ownedHere,
  SwarmPane,
  swarmPaneWidthNeeded,
} from './ListPanes.tsx';
import { liveNotices, nextExpiryMs, type PaneNotices } from './notices.ts';
import { PeerHeader } from './PeerHeader.tsx';
import { COMMAND_HELP, PEER_KEYS, SWITCH_VIEW_KEY } from './peer-help.ts';
import { givingBackUnused, listPaneWidths, peerLayout } from './peer-layout.ts';
import {
  filteredSwarm,
  initialPeerViewState,
  type PeerEffect,
  type PeerPane,
  type PeerViewState,
  reducePeerKeys,
  reducePeerPaste,
  rowKey,
  selectedDownload,
  selectedIndex,
} from './peer-view-state.ts';
import { uploadsSectionHeight } from './UploadsSection.tsx';

export { PEER_KEYS } from './peer-help.ts';

/** What the view asks of the engine: plain method calls (DESIGN: user intents). */
export interface PeerIntents {
  seed(name: string): Promise<{ ok: boolean; reason?: string }>;
  unseed(name: string): Promise<{ ok: boolean; reason?: string }>;
  seedAll(): Promise<Array<{ ok: boolean; reason?: string }>>;
  download(name: string): { ok: boolean; reason?: string };
  cancel(name: string): Promise<void>;
  togglePause(name: string): void;
  /** Changes the upload or download limit at run time (bytes per second, 0 for none). */
  setLimit(direction: 'up' | 'down', bytesPerSec: number): void;
  /** Takes a download off the list (stopping it first), keeping or deleting its part file. */
  removeDownload(name: string, deletePartFile: boolean): Promise<{ ok: boolean; reason?: string }>;
  refreshSwarm(): Promise<void>;
  /** Every download waiting for owners, or short of them, asks the tracker again now (`r`). */
  askAgainForOwners(): void;
  /** Leave the swarm (EXIT to the tracker) and close the view. */
  exit(): void;
}

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 19;

export interface PeerAppProps {
  peer: Store<PeerSnapshot>;
  swarm: Store<SwarmListing>;
  log: Store<readonly LogLine[]>;
  intents: PeerIntents;
  size?: TerminalSize;
  /** In the demo, `t` switches to the tracker view. */
  onSwitchView?: () => void;
  /**
   * In the demo: the state the view had when it was last switched away from (its selection,
   * filter, focus), and where to keep it. `t` there and back reset them (found by a session).
   */
  keptState?: PeerViewState;
  keepState?: (state: PeerViewState) => void;
  /** Times notices out; tests pass a ManualClock. */
  clock?: Clock;
  /** --exit-when-done: the view closes by itself once every download is done; the header says so. */
  exitsWhenDone?: boolean;
}

/** The full-screen view of one node: my files, swarm files, downloads, log; all from the keyboard. */
export function PeerApp(props: PeerAppProps) {
  const clock = props.clock ?? systemClock;
  const redraws = useRedrawThrottle();
  const snapshot = useStore(props.peer, redraws);
  const swarm = useStore(props.swarm, redraws);
  const lines = useStore(props.log, redraws);
  const terminal = useTerminalSize();
  const { columns, rows } = props.size ?? terminal;
  // Back from the tracker view, the log follows its newest line again: it moved on meanwhile.
  const [view, setView] = useState(() =>
    props.keptState ? { ...props.keptState, logBack: 0 } : initialPeerViewState,
  );
  const { keepState } = props;
  useEffect(() => keepState?.(view), [keepState, view]);
  // The latest state, also between renders: a burst of keys is applied key by key to it.
  const viewRef = useRef(view);
  const pasteReader = useMemo(() => new PasteReader(), []);
  const update = (next: PeerViewState) => {
    viewRef.current = next;
    setView(next);
  };
  const { focus, helpOpen, filter, logBack } = view;
  const shiftLogBack = useCallback((arrived: number) => {
    viewRef.current = { ...viewRef.current, logBack: viewRef.current.logBack + arrived };
    setView(viewRef.current);
  }, []);
  useLogAnchor(lines, logBack, shiftLogBack);
  const [allNotices, setNotices] = useState<PaneNotices>({});
  const notices = liveNotices(allNotices, clock.now());
  useWakeAt(clock, nextExpiryMs(notices));
  const [exiting, setExiting] = useState(false);

  const swarmNames = swarm.files.map((file) => file.name);
  const swarmFiles = useMemo(() => filteredSwarm(swarm.files, filter), [swarm.files, filter]);
  const swarmKeys = useMemo(() => swarmFiles.map(rowKey), [swarmFiles]);
  const owned = useSameSet(useMemo(() => ownedHere(snapshot), [snapshot]));
  const filesNeed = useMemo(() => filesPaneWidthNeeded(snapshot.files), [snapshot.files]);
  // By every listed file, not the filtered ones: the panes stay put while a filter is typed.
  const swarmNeed = useMemo(() => swarmPaneWidthNeeded(swarm, owned), [swarm, owned]);
  const downloadNames = snapshot.downloads.map((download) => download.name);
  const downloadLines =
    snapshot.downloads.reduce((sum, download) => sum + downloadBlockHeight(download), 0) +
    (snapshot.downloads.length === 0 ? 1 : 0) +
    uploadsSectionHeight(snapshot.uploads);
  const listLength = Math.max(snapshot.files.length, swarmFiles.length);
  const split = peerLayout(rows, listLength, downloadLines);
  // Room for a notice is kept, so that one coming and going does not move the panes.
  const layout =
    split &&
    givingBackUnused(
      split,
      fitDownloads({
        downloads: snapshot.downloads,
        uploads: snapshot.uploads,
        selected: selectedDownload(view, downloadNames),
        height: split.downloadsHeight,
        noticeLine: true,
      }).usedLines,
      listLength,
    );
  const notify = (pane: PeerPane, text: string, error = false) =>
    setNotices((current) => ({ ...current, [pane]: { text, error, atMs: clock.now() } }));
  const failed = (pane: PeerPane, reason?: string) => notify(pane, reason ?? 'failed', true);

  const run = (effect: PeerEffect) => {
    const { intents } = props;
    switch (effect.kind) {
      case 'exit':
        if (!exiting) {
          setExiting(true);
          intents.exit();
        }
        return;
      case 'switch-view':
        return props.onSwitchView?.();
      case 'seed':
      case 'unseed': {
        const { name } = effect;
        const seeding = effect.kind === 'seed';
        notify('files', `${seeding ? 'seeding' : 'stopping'} ${name}…`);
        void (seeding ? intents.seed(name) : intents.unseed(name)).then((outcome) =>
          outcome.ok
            ? notify('files', `${seeding ? 'seeding' : 'stopped seeding'} ${name}`)
            : failed('files', outcome.reason),
        );
        return;
      }
      case 'seed-all':
        notify('files', 'seeding every file…');
        void intents.seedAll().then((outcomes) => {
          const bad = outcomes.filter((outcome) => !outcome.ok);
          if (bad.length) failed('files', bad.map((outcome) => outcome.reason).join('; '));
          else
            notify('files', `seeding ${outcomes.length} file${outcomes.length === 1 ? '' : 's'}`);
        });
        return;
      case 'download': {
        const outcome = intents.download(effect.target ?? effect.name);
        if (outcome.ok) {
          if (!effect.picked) update({ ...viewRef.current, focus: 'downloads' });
          // A name typed (`D`, `:get`) may not be in the swarm: the row says so if it is not.
          // What was done, not a state: a small file is done before "downloading" went away.
          // A row's prefix is said only where the listing has other files of its name.
          const alone = swarmNames.filter((name) => name === effect.name).length === 1;
          const shown =
            effect.picked && alone ? effect.name : shortTarget(effect.name, effect.target);
          notify(
            'downloads',
            effect.again
              ? `started ${shown} again`
              : swarmNames.includes(effect.name)
                ? `added ${shown} to the downloads`
                : `added ${shown}: looking for it in the swarm`,
          );
        } else {
          if (viewRef.current.follow === effect.name) update({ ...viewRef.current, follow: null });
          failed('downloads', outcome.reason);
        }
        return;
      }
      case 'cancel': {
        // A download that never found its file made no part file: nothing is kept (until
        // 2026-12-07 this said it was; found by a session).
        const row = props.peer.getSnapshot().downloads.find((each) => each.name === effect.name);
        const kept = row !== undefined && row.pieceCount > 0;
        void intents
          .cancel(effect.name)
          .then(() =>
            notify(
              'downloads',
              kept
                ? `cancelled ${effect.name}; the part file is kept for resume`
                : `cancelled ${effect.name}; nothing of it was fetched`,
            ),
          );
        return;
      }
      case 'remove': {
        const { name, deletePartFile } = effect;
        void intents
          .removeDownload(name, deletePartFile)
          .then((outcome) =>
            outcome.ok
              ? notify(
                  'downloads',
                  `removed ${name} from the list${deletePartFile ? ' and deleted its part file' : ''}`,
                )
              : failed('downloads', outcome.reason),
          );
        return;
      }
      case 'toggle-pause':
        return intents.togglePause(effect.name);
      case 'refresh-swarm':
        void intents.refreshSwarm();
        return;
      case 'ask-again':
        intents.askAgainForOwners();
        return;
      case 'limit': {
        intents.setLimit(effect.direction, effect.bytesPerSec);
        const what = effect.direction === 'up' ? 'upload' : 'download';
        const value = effect.bytesPerSec === 0 ? 'none' : formatRate(effect.bytesPerSec);
        return notify('downloads', `${what} limit: ${value}`);
      }
      case 'notice':
        return notify(effect.pane, effect.text, effect.error);
    }
  };

  useInput((input, rawKey) => {
    const read = pasteReader.read(input, rawKey);
    if (read === null) return;
    const { text, key } = read.kind === 'keys' ? { text: read.input, key: read.key } : read;
    const reduce = read.kind === 'keys' ? reducePeerKeys : reducePeerPaste;
    const outcome = reduce(viewRef.current, text, key, {
      localFiles: snapshot.files.map((file) => ({
        name: file.name,
        seeding: file.state.kind === 'seeding',
        hashing: file.state.kind === 'hashing',
        ...(file.state.kind === 'unsupported' ? { unsupported: file.state.reason } : {}),
      })),
      swarmNames,
      swarmInfohashes: swarm.files.map((file) => file.infohashHex),
      downloads: snapshot.downloads.map((download) => ({
        name: download.name,
        state: download.state,
        heldByPerson: download.heldByPerson,
        choices: download.choices,
        infohashHex: download.infohashHex,
        // Its metainfo is known once it has a part file (opened with it, or resumed from one).
        hasPartFile: download.pieceCount > 0,
      })),
      listRows: layout?.listRows ?? 1,
      logLines: layout ? layout.logHeight - 1 : 1,
      logTotal: lines.length,
      canSwitchView: props.onSwitchView !== undefined,
    });
    update(outcome.state);
    for (const effect of outcome.effects) run(effect);
  });

  if (layout === null || columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return (
      <SmallTerminal columns={columns} rows={rows} minColumns={MIN_COLUMNS} minRows={MIN_ROWS} />
    );
  }
  if (helpOpen)
    return (
      <HelpOverlay
        title={`bt-tui peer ${snapshot.nodeId}`}
        keys={props.onSwitchView ? [...PEER_KEYS, SWITCH_VIEW_KEY] : PEER_KEYS}
        notes={COMMAND_HELP}
        height={rows - 1}
        width={columns}
      />
    );
  if (view.picker) return <EntryPicker picker={view.picker} height={rows - 1} width={columns} />;
  const widths = listPaneWidths(columns, filesNeed, swarmNeed);
  return (
    <Box flexDirection="column" width={columns} height={rows - 1}>
      <PeerHeader
        snapshot={snapshot}
        width={columns}
        exiting={exiting}
        exitsWhenDone={props.exitsWhenDone ?? false}
      />
      <Box height={layout.listsHeight}>
        <FilesPane
          files={snapshot.files}
          selected={selectedIndex(
            view,
            'files',
            snapshot.files.map((file) => file.name),
          )}
          focused={focus === 'files'}
          rows={layout.listRows}
          width={widths.files}
          notice={notices.files}
        />
        <SwarmPane
          listing={swarm}
          files={swarmFiles}
          owned={owned}
          filter={filter}
          selected={selectedIndex(view, 'swarm', swarmKeys)}
          focused={focus === 'swarm'}
          rows={layout.listRows}
          width={widths.swarm}
        />
      </Box>
      <DownloadsPane
        downloads={snapshot.downloads}
        uploads={snapshot.uploads}
        selected={selectedDownload(view, downloadNames)}
        focused={focus === 'downloads'}
        height={layout.downloadsHeight}
        width={columns}
        notice={notices.downloads}
      />
      <LogPane
        title={`Log (node${snapshot.nodeId}.log)`}
        lines={lines}
        linesBack={logBack}
        height={layout.logHeight}
        width={columns}
        focused={focus === 'log'}
      />
      <BottomLine view={view} columns={columns} canSwitchView={props.onSwitchView !== undefined} />
    </Box>
  );
}

/**
 * The last render's set while `set` holds the same members: what this node owns changes rarely,
 * and the swarm pane's widths (every listed file measured) are kept while it is the same object.
 */
function useSameSet<T>(set: ReadonlySet<T>): ReadonlySet<T> {
  const last = useRef(set);
  const same = last.current.size === set.size && [...set].every((item) => last.current.has(item));
  if (!same) last.current = set;
  return last.current;
}

import { Box, Text, useInput } from 'ink';
import { useCallback, useRef, useState } from 'react';
import type { LogLine } from '../../log/logger.ts';
import type { PeerSnapshot } from '../../peer/peer-snapshot.ts';
import type { SwarmListing } from '../../peer/swarm-directory.ts';
import { HelpLine, type KeyHelp } from '../components/HelpLine.tsx';
import { HelpOverlay } from '../components/HelpOverlay.tsx';
import { LogPane } from '../components/LogPane.tsx';
import { SmallTerminal } from '../components/SmallTerminal.tsx';
import { useLogAnchor } from '../hooks/use-log-anchor.ts';
import { type Store, useStore } from '../hooks/use-store.ts';
import { type TerminalSize, useTerminalSize } from '../hooks/use-terminal-size.ts';
import { truncate } from '../text.ts';
import { downloadBlockHeight } from './DownloadBlock.tsx';
import { DownloadsPane } from './DownloadsPane.tsx';
import { FilesPane, type Notice, SwarmPane } from './ListPanes.tsx';
import { PeerHeader } from './PeerHeader.tsx';
import { peerLayout } from './peer-layout.ts';
import {
  filteredSwarm,
  initialPeerViewState,
  type PeerEffect,
  type PeerPane,
  type PeerViewState,
  reducePeerKeys,
} from './peer-view-state.ts';

/** What the view asks of the engine: plain method calls (DESIGN: user intents). */
export interface PeerIntents {
  seed(name: string): Promise<{ ok: boolean; reason?: string }>;
  unseed(name: string): Promise<{ ok: boolean; reason?: string }>;
  seedAll(): Promise<Array<{ ok: boolean; reason?: string }>>;
  download(name: string): { ok: boolean; reason?: string };
  cancel(name: string): Promise<void>;
  togglePause(name: string): void;
  refreshSwarm(): Promise<void>;
  /** Leave the swarm (EXIT to the tracker) and close the view. */
  exit(): void;
}

export const PEER_KEYS: KeyHelp[] = [
  { keys: 'q x', action: 'exit' },
  { keys: '?', action: 'help' },
  { keys: 'Tab', action: 'next pane' },
  { keys: '↑↓ j k g G', action: 'move' },
  { keys: 's Enter', action: 'seed/unseed (my files)' },
  { keys: 'a', action: 'seed all' },
  { keys: 'd Enter', action: 'download (swarm)' },
  { keys: '/', action: 'filter swarm' },
  { keys: 'r', action: 'refresh swarm' },
  { keys: 'D', action: 'download by name' },
  { keys: 'c', action: 'cancel download' },
  { keys: 'p', action: 'pause/resume' },
  { keys: ':', action: 'command line' },
];

/** The help line: every key, described as far as the width allows (the overlay says more). */
const LINE_KEYS: KeyHelp[][] = [
  [
    { keys: 'q', action: 'exit' },
    { keys: '?', action: 'help' },
    { keys: 'Tab', action: 'pane' },
    { keys: '↑↓', action: 'move' },
    { keys: 's', action: 'seed/unseed' },
    { keys: 'a', action: 'seed all' },
    { keys: 'd', action: 'download' },
    { keys: '/', action: 'filter' },
    { keys: 'r', action: 'refresh' },
    { keys: 'D', action: 'by name' },
    { keys: 'c', action: 'cancel' },
    { keys: 'p', action: 'pause' },
    { keys: ':', action: 'command' },
  ],
  [
    { keys: 'q', action: 'quit' },
    { keys: '?', action: 'help' },
    { keys: 'Tab', action: '' },
    { keys: 's', action: 'seed' },
    { keys: 'a', action: 'all' },
    { keys: 'd', action: 'get' },
    { keys: '/', action: 'find' },
    { keys: 'r', action: 'list' },
    { keys: 'D', action: 'name' },
    { keys: 'c', action: 'stop' },
    { keys: 'p', action: 'pause' },
    { keys: ':', action: 'cmd' },
  ],
];

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 20;

export interface PeerAppProps {
  peer: Store<PeerSnapshot>;
  swarm: Store<SwarmListing>;
  log: Store<readonly LogLine[]>;
  intents: PeerIntents;
  size?: TerminalSize;
  /** In the demo, `t` switches to the tracker view. */
  onSwitchView?: () => void;
}

const failed = (reason?: string): Notice => ({ text: reason ?? 'failed', error: true });

/** The full-screen view of one node: my files, swarm files, downloads, log; all from the keyboard. */
export function PeerApp(props: PeerAppProps) {
  const snapshot = useStore(props.peer);
  const swarm = useStore(props.swarm);
  const lines = useStore(props.log);
  const terminal = useTerminalSize();
  const { columns, rows } = props.size ?? terminal;
  const [view, setView] = useState(initialPeerViewState);
  // The latest state, also between renders: a burst of keys is applied key by key to it.
  const viewRef = useRef(view);
  const update = (next: PeerViewState) => {
    viewRef.current = next;
    setView(next);
  };
  const { focus, helpOpen, input, filter, logBack } = view;
  const shiftLogBack = useCallback((arrived: number) => {
    viewRef.current = { ...viewRef.current, logBack: viewRef.current.logBack + arrived };
    setView(viewRef.current);
  }, []);
  useLogAnchor(lines, logBack, shiftLogBack);
  const [notices, setNotices] = useState<Partial<Record<PeerPane, Notice>>>({});
  const [exiting, setExiting] = useState(false);

  const swarmNames = swarm.files.map((file) => file.name);
  const shownSwarm = new Set(filteredSwarm(swarmNames, filter));
  const swarmFiles = swarm.files.filter((file) => shownSwarm.has(file.name));
  const downloadLines = snapshot.downloads.reduce(
    (sum, download) => sum + downloadBlockHeight(download),
    0,
  );
  const layout = peerLayout(
    rows,
    Math.max(snapshot.files.length, swarmFiles.length),
    downloadLines,
  );
  const pick = (pane: 'files' | 'swarm' | 'downloads', count: number) =>
    Math.min(view.selected[pane], Math.max(0, count - 1));
  const notify = (pane: PeerPane, notice: Notice) =>
    setNotices((current) => ({ ...current, [pane]: notice }));

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
        notify('files', { text: `${seeding ? 'seeding' : 'stopping'} ${name}…`, error: false });
        void (seeding ? intents.seed(name) : intents.unseed(name)).then((outcome) =>
          notify(
            'files',
            outcome.ok
              ? { text: `${seeding ? 'seeding' : 'stopped seeding'} ${name}`, error: false }
              : failed(outcome.reason),
          ),
        );
        return;
      }
      case 'seed-all':
        notify('files', { text: 'seeding every file…', error: false });
        void intents.seedAll().then((outcomes) => {
          const bad = outcomes.filter((outcome) => !outcome.ok);
          notify(
            'files',
            bad.length
              ? failed(bad.map((outcome) => outcome.reason).join('; '))
              : { text: `seeding ${outcomes.length} files`, error: false },
          );
        });
        return;
      case 'download': {
        const outcome = intents.download(effect.name);
        if (outcome.ok) update({ ...viewRef.current, focus: 'downloads' });
        notify(
          'downloads',
          outcome.ok
            ? { text: `downloading ${effect.name}`, error: false }
            : failed(outcome.reason),
        );
        return;
      }
      case 'cancel':
        void intents.cancel(effect.name).then(() =>
          notify('downloads', {
            text: `cancelled ${effect.name}; the part file is kept for resume`,
            error: false,
          }),
        );
        return;
      case 'toggle-pause':
        return intents.togglePause(effect.name);
      case 'refresh-swarm':
        void intents.refreshSwarm();
        return;
      case 'command-error':
        return notify('downloads', failed(effect.message));
    }
  };

  useInput((text, key) => {
    const outcome = reducePeerKeys(viewRef.current, text, key, {
      localFiles: snapshot.files.map((file) => ({
        name: file.name,
        seeding: file.state.kind === 'seeding',
      })),
      swarmNames,
      downloads: snapshot.downloads.map((download) => download.name),
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
      <HelpOverlay title={`bt-tui peer ${snapshot.nodeId}`} keys={PEER_KEYS} height={rows - 1} />
    );
  const half = Math.floor(columns / 2);
  const inputLabel = {
    command: ':',
    filter: 'filter swarm: ',
    'download-name': 'download file named: ',
  };
  return (
    <Box flexDirection="column" width={columns} height={rows - 1}>
      <PeerHeader snapshot={snapshot} width={columns} exiting={exiting} />
      <Box height={layout.listsHeight}>
        <FilesPane
          files={snapshot.files}
          selected={pick('files', snapshot.files.length)}
          focused={focus === 'files'}
          rows={layout.listRows}
          width={half}
          notice={notices.files}
        />
        <SwarmPane
          listing={swarm}
          files={swarmFiles}
          filter={filter}
          selected={pick('swarm', swarmFiles.length)}
          focused={focus === 'swarm'}
          rows={layout.listRows}
          width={columns - half}
        />
      </Box>
      <DownloadsPane
        downloads={snapshot.downloads}
        selected={pick('downloads', snapshot.downloads.length)}
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
      {input ? (
        <Text>
          <Text bold>{inputLabel[input.purpose]}</Text>
          {truncate(input.value, columns - 25)}
          <Text inverse> </Text>
          <Text dimColor>
            {input.purpose === 'command'
              ? '  Tab completes, Enter runs, Esc cancels'
              : '  Enter, Esc'}
          </Text>
        </Text>
      ) : (
        <HelpLine keys={LINE_KEYS} width={columns} />
      )}
    </Box>
  );
}

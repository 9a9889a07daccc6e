import { Box, type Key, Text, useInput } from 'ink';
import { useCallback, useState } from 'react';
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
import { applyScroll, scrollActionFor } from '../keys.ts';
import { truncate } from '../text.ts';
import { completeCommand, parseCommand } from './command-line.ts';
import { downloadBlockHeight } from './DownloadBlock.tsx';
import { DownloadsPane } from './DownloadsPane.tsx';
import { FilesPane, type Notice, SwarmPane } from './ListPanes.tsx';
import { PeerHeader } from './PeerHeader.tsx';
import { peerLayout } from './peer-layout.ts';
import { stepInput, type TextInput } from './text-input.ts';

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

type PaneName = 'files' | 'swarm' | 'downloads' | 'log';
const PANES: PaneName[] = ['files', 'swarm', 'downloads', 'log'];

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
  const [focus, setFocus] = useState<PaneName>('swarm');
  const [helpOpen, setHelpOpen] = useState(false);
  const [input, setInput] = useState<TextInput | null>(null);
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState({ files: 0, swarm: 0, downloads: 0 });
  const [logBack, setLogBack] = useState(0);
  const shiftLogBack = useCallback((arrived: number) => setLogBack((back) => back + arrived), []);
  useLogAnchor(lines, logBack, shiftLogBack);
  const [notices, setNotices] = useState<Partial<Record<PaneName, Notice>>>({});
  const [exiting, setExiting] = useState(false);

  const swarmFiles = swarm.files.filter((file) =>
    file.name.toLowerCase().includes(filter.toLowerCase()),
  );
  const downloadLines = snapshot.downloads.reduce(
    (sum, download) => sum + downloadBlockHeight(download),
    0,
  );
  const layout = peerLayout(
    rows,
    Math.max(snapshot.files.length, swarmFiles.length),
    downloadLines,
  );
  const counts = {
    files: snapshot.files.length,
    swarm: swarmFiles.length,
    downloads: snapshot.downloads.length,
  };
  const pick = (pane: 'files' | 'swarm' | 'downloads') =>
    Math.min(selected[pane], Math.max(0, counts[pane] - 1));
  const notify = (pane: PaneName, notice: Notice) =>
    setNotices((current) => ({ ...current, [pane]: notice }));

  const exit = () => {
    if (exiting) return;
    setExiting(true);
    props.intents.exit();
  };
  const seedToggle = (name: string) => {
    const seeding = snapshot.files.find((file) => file.name === name)?.state.kind === 'seeding';
    notify('files', { text: `${seeding ? 'stopping' : 'seeding'} ${name}…`, error: false });
    void (seeding ? props.intents.unseed(name) : props.intents.seed(name)).then((outcome) =>
      notify(
        'files',
        outcome.ok
          ? { text: `${seeding ? 'stopped seeding' : 'seeding'} ${name}`, error: false }
          : failed(outcome.reason),
      ),
    );
  };
  const startDownload = (name: string) => {
    const outcome = props.intents.download(name);
    notify(
      'downloads',
      outcome.ok ? { text: `downloading ${name}`, error: false } : failed(outcome.reason),
    );
    if (outcome.ok) setFocus('downloads');
  };
  const runCommand = (line: string) => {
    const command = parseCommand(line);
    if (command.kind === 'exit') exit();
    else if (command.kind === 'seed') seedToggle(command.name);
    else if (command.kind === 'download') startDownload(command.name);
    else notify('downloads', failed(command.message));
  };

  const onKey = (text: string, key: Key) => {
    if (key.ctrl && text === 'c') return exit();
    if (helpOpen) {
      if (text === '?' || key.escape || text === 'q') setHelpOpen(false);
      return;
    }
    if (text === 'q' || text === 'x') return exit();
    if (text === 't' && props.onSwitchView) return props.onSwitchView();
    if (text === '?') return setHelpOpen(true);
    if (text === ':') return setInput({ purpose: 'command', value: '' });
    if (text === 'D') return setInput({ purpose: 'download-name', value: '' });
    if (key.tab)
      return setFocus(
        PANES[(PANES.indexOf(focus) + (key.shift ? PANES.length - 1 : 1)) % PANES.length]!,
      );
    if (text === 'a') {
      notify('files', { text: 'seeding every file…', error: false });
      void props.intents.seedAll().then((outcomes) => {
        const bad = outcomes.filter((outcome) => !outcome.ok);
        notify(
          'files',
          bad.length
            ? failed(bad.map((outcome) => outcome.reason).join('; '))
            : { text: `seeding ${outcomes.length} files`, error: false },
        );
      });
      return;
    }
    if (text === 'r' || (text === '/' && focus === 'swarm')) {
      if (text === '/') setInput({ purpose: 'filter', value: filter });
      void props.intents.refreshSwarm();
      return;
    }
    if (focus === 'files' && (text === 's' || key.return)) {
      const file = snapshot.files[pick('files')];
      if (file) seedToggle(file.name);
      return;
    }
    if (focus === 'swarm' && (text === 'd' || key.return)) {
      const file = swarmFiles[pick('swarm')];
      if (file) startDownload(file.name);
      return;
    }
    if (focus === 'downloads' && (text === 'c' || text === 'p')) {
      const download = snapshot.downloads[pick('downloads')];
      if (!download) return;
      if (text === 'p') props.intents.togglePause(download.name);
      else
        void props.intents.cancel(download.name).then(() =>
          notify('downloads', {
            text: `cancelled ${download.name}; the part file is kept for resume`,
            error: false,
          }),
        );
      return;
    }
    const page = layout ? (focus === 'log' ? layout.logHeight - 1 : layout.listRows) : 1;
    const action = scrollActionFor(text, key, page);
    if (action === null) return;
    if (focus === 'log') {
      const inverted =
        action.kind === 'by'
          ? { kind: 'by' as const, lines: -action.lines }
          : { kind: action.kind === 'top' ? ('bottom' as const) : ('top' as const) };
      setLogBack((back) => applyScroll(back, inverted, lines.length, page));
    } else {
      setSelected((current) => ({
        ...current,
        [focus]: applyScroll(pick(focus), action, counts[focus], 1),
      }));
    }
  };

  useInput((text, key) => {
    if (key.ctrl && text === 'c') return exit();
    // Typed text arrives whole (a paste, fast typing); single-key bindings get one key at a time.
    if (input !== null) {
      const step = stepInput(input.value, text, key);
      if (step.kind === 'cancel') {
        // Esc on the filter line clears the filter too.
        if (input.purpose === 'filter') setFilter('');
        return setInput(null);
      }
      if (step.kind === 'complete' && input.purpose === 'command') {
        const local = snapshot.files.map((file) => file.name);
        return setInput({
          ...input,
          value: completeCommand(
            input.value,
            local,
            swarm.files.map((file) => file.name),
          ),
        });
      }
      if (step.kind === 'edit') {
        if (input.purpose === 'filter') setFilter(step.value);
        return setInput({ ...input, value: step.value });
      }
      if (step.kind === 'submit') {
        setInput(null);
        if (input.purpose === 'command') runCommand(step.value);
        else if (input.purpose === 'download-name' && step.value.trim())
          startDownload(step.value.trim());
      }
      return;
    }
    const plain = !key.ctrl && !key.meta && !key.escape && !key.return && !key.tab;
    const chars = Array.from(text);
    if (!plain || chars.length <= 1) return onKey(text, key);
    for (const [index, char] of chars.entries()) {
      onKey(char, key);
      // A key that opens the input line takes the rest of the chunk as typed text.
      const opens = char === ':' ? 'command' : char === 'D' ? 'download-name' : null;
      if (opens) {
        setInput({
          purpose: opens,
          value: chars
            .slice(index + 1)
            .join('')
            .replace(/[\r\n].*$/s, ''),
        });
        return;
      }
    }
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
          selected={pick('files')}
          focused={focus === 'files'}
          rows={layout.listRows}
          width={half}
          notice={notices.files}
        />
        <SwarmPane
          listing={swarm}
          files={swarmFiles}
          filter={filter}
          selected={pick('swarm')}
          focused={focus === 'swarm'}
          rows={layout.listRows}
          width={columns - half}
        />
      </Box>
      <DownloadsPane
        downloads={snapshot.downloads}
        selected={pick('downloads')}
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

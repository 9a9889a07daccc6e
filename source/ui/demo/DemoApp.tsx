import { Box, Text } from 'ink';
import { useCallback, useRef, useState } from 'react';
import type { LogLine } from '../../log/logger.ts';
import type { PeerSnapshot } from '../../peer/peer-snapshot.ts';
import type { SwarmListing } from '../../peer/swarm-directory.ts';
import type { TrackerSnapshot } from '../../tracker/snapshot.ts';
import type { Store } from '../hooks/use-store.ts';
import { useTerminalSize } from '../hooks/use-terminal-size.ts';
import { MIN_ROWS as PEER_MIN_ROWS, PeerApp, type PeerIntents } from '../peer/PeerApp.tsx';
import type { PeerViewState } from '../peer/peer-view-state.ts';
import { truncate } from '../text.ts';
import { MIN_ROWS as TRACKER_MIN_ROWS, TrackerApp } from '../tracker/TrackerApp.tsx';
import type { TrackerViewState } from '../tracker/tracker-view-state.ts';

export interface DemoAppProps {
  folder: string;
  peer: Store<PeerSnapshot>;
  peerLog: Store<readonly LogLine[]>;
  swarm: Store<SwarmListing>;
  intents: PeerIntents;
  tracker: Store<TrackerSnapshot>;
  trackerLog: Store<readonly LogLine[]>;
}

/**
 * The demo: the peer view of the viewer's node and the tracker view of the same swarm, one key
 * (t) apart, under a line that says where the demo lives and what to press.
 */
export function DemoApp(props: DemoAppProps) {
  const { columns, rows } = useTerminalSize();
  const [view, setView] = useState<'peer' | 'tracker'>('peer');
  // Each view's selection, filter, sort and focus, kept while the other is shown.
  const peerState = useRef<PeerViewState | undefined>(undefined);
  const trackerState = useRef<TrackerViewState | undefined>(undefined);
  const keepPeerState = useCallback((state: PeerViewState) => {
    peerState.current = state;
  }, []);
  const keepTrackerState = useCallback((state: TrackerViewState) => {
    trackerState.current = state;
  }, []);
  // The views handle `t` themselves, so typing a name or a command never switches views.
  const switchView = () => setView((current) => (current === 'peer' ? 'tracker' : 'peer'));
  const hint =
    view === 'peer'
      ? 'select a file in Swarm files (↑↓) and press d · t: tracker view'
      : 'watch nodes, heartbeats and credits · t: back to the peer view';
  // The hint line gives way when the view needs its row: the demo works at 60x19 too.
  const hintRows = rows - 1 >= Math.max(PEER_MIN_ROWS, TRACKER_MIN_ROWS) ? 1 : 0;
  const size = { columns, rows: rows - hintRows };
  return (
    <Box flexDirection="column">
      {hintRows > 0 ? (
        <Text color="cyan">{truncate(`bt-tui demo · ${hint} · ${props.folder}`, columns)}</Text>
      ) : null}
      {view === 'peer' ? (
        <PeerApp
          peer={props.peer}
          swarm={props.swarm}
          log={props.peerLog}
          intents={props.intents}
          onSwitchView={switchView}
          size={size}
          keptState={peerState.current}
          keepState={keepPeerState}
        />
      ) : (
        <TrackerApp
          tracker={props.tracker}
          log={props.trackerLog}
          onQuit={() => props.intents.exit()}
          onSwitchView={switchView}
          size={size}
          keptState={trackerState.current}
          keepState={keepTrackerState}
        />
      )}
    </Box>
  );
}

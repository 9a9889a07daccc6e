import { systemClock } from '../clock.ts';
import type { DemoSwarm } from '../demo/demo-swarm.ts';
import { SwarmDirectory } from '../peer/swarm-directory.ts';
import { DemoApp } from '../ui/demo/DemoApp.tsx';
import { runFullScreen } from '../ui/terminal/run-full-screen.tsx';
import { peerIntents } from './peer-intents.ts';
import { onShutdownSignal } from './shutdown.ts';
import { keepSwarmListingLive } from './swarm-refresh.ts';

/** The demo's views (peer and tracker, `t` apart) until the user quits. */
export async function runDemoView(swarm: DemoSwarm): Promise<number> {
  const listing = new SwarmDirectory(
    (cursor) => swarm.node.tracker.list(cursor),
    () => Date.now(),
  );
  void listing.refresh();
  const { node } = swarm;
  // As in `bt-tui peer`: without it the demo's Swarm files kept the owner counts of its first
  // read (a finished download, seeded now, was not counted until `r`).
  const stopListing = keepSwarmListingLive(node, listing, systemClock);
  let fatal: Error | null = null;
  const view = runFullScreen(
    <DemoApp
      folder={swarm.folder}
      peer={node}
      peerLog={swarm.nodeLog}
      swarm={listing}
      tracker={swarm.tracker}
      trackerLog={swarm.trackerLog}
      intents={peerIntents(node, listing, () => view.stop())}
    />,
    (error) => {
      fatal = error;
    },
  );
  void onShutdownSignal().then(() => view.stop());
  await view.finished;
  stopListing();
  if (fatal !== null) {
    console.error(`bt-tui: the demo view crashed: ${(fatal as Error).message}`);
    return 1;
  }
  return 0;
}

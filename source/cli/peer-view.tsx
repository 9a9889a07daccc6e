import { systemClock } from '../clock.ts';
import type { Logger } from '../log/logger.ts';
import type { PeerNode } from '../peer/peer-node.ts';
import { SwarmDirectory } from '../peer/swarm-directory.ts';
import { PeerApp } from '../ui/peer/PeerApp.tsx';
import { runFullScreen } from '../ui/terminal/run-full-screen.tsx';
import { peerIntents } from './peer-intents.ts';
import { onShutdownSignal } from './shutdown.ts';
import { keepSwarmListingLive } from './swarm-refresh.ts';

/**
 * The peer's full-screen view until the user leaves, or until `untilDone` (--exit-when-done)
 * resolves with the exit code; it is told when the user leaves first. EXIT is said before the
 * terminal returns.
 */
export async function runPeerView(
  node: PeerNode,
  logger: Logger,
  logPath: string,
  untilDone: ((leaving: Promise<void>) => Promise<number>) | null = null,
): Promise<number> {
  const swarm = new SwarmDirectory(
    (cursor) => node.tracker.list(cursor),
    () => Date.now(),
  );
  void swarm.refresh();
  const stopListing = keepSwarmListingLive(node, swarm, systemClock);
  let fatal: Error | null = null;
  let leaving: Promise<void> | null = null;
  let startedLeaving = () => {};
  const left = new Promise<void>((resolve) => {
    startedLeaving = resolve;
  });
  // Leaving says EXIT to the tracker (waiting briefly for its answer), then restores the terminal.
  const leave = () => {
    startedLeaving();
    stopListing();
    leaving ??= node.exit().finally(() => view.stop());
    return leaving;
  };
  const view = runFullScreen(
    <PeerApp
      peer={node}
      swarm={swarm}
      log={logger}
      intents={peerIntents(node, swarm, () => void leave())}
      exitsWhenDone={untilDone !== null}
    />,
    (error) => {
      fatal = error;
    },
  );
  void onShutdownSignal().then(leave);
  const done = untilDone?.(left).then((code) => {
    void leave();
    return code;
  });
  await view.finished;
  await leave();
  const code = (await done) ?? 0;
  if (fatal !== null) {
    const error = fatal as Error;
    logger.log(`crashed: ${error.stack ?? error.message}`);
    console.error(`bt-tui: the peer view crashed: ${error.message} (details in ${logPath})`);
    return 1;
  }
  return code;
}

import { basename } from 'node:path';
import type { Logger } from '../log/logger.ts';
import type { TrackerServer } from '../tracker/server.ts';
import { runFullScreen } from '../ui/terminal/run-full-screen.tsx';
import { TrackerApp } from '../ui/tracker/TrackerApp.tsx';
import { onShutdownSignal } from './shutdown.ts';
import { notWrittenExit } from './tracker-exit.ts';

/** The tracker's full-screen view until q or a signal; then the database is written. */
export async function runTrackerView(
  tracker: TrackerServer,
  logger: Logger,
  logPath: string,
  storeLocation: string,
): Promise<number> {
  let fatal: Error | null = null;
  const view = runFullScreen(
    <TrackerApp
      tracker={tracker}
      log={logger}
      logName={basename(logPath)}
      onQuit={() => view.stop()}
    />,
    (error) => {
      fatal = error;
    },
  );
  void onShutdownSignal().then(() => view.stop());
  await view.finished;
  const written = await tracker.stop();
  if (fatal !== null) {
    const error = fatal as Error;
    logger.log(`crashed: ${error.stack ?? error.message}`);
    console.error(`bt-tui: the tracker view crashed: ${error.message} (details in ${logPath})`);
    return 1;
  }
  return notWrittenExit(written, storeLocation);
}

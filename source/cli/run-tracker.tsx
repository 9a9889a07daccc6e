import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import { Logger } from '../log/logger.ts';
import { startTracker } from '../tracker/server.ts';
import { runFullScreen } from '../ui/terminal/run-full-screen.tsx';
import { TrackerApp } from '../ui/tracker/TrackerApp.tsx';
import type { TrackerOptions } from './parse-args.ts';
import { onShutdownSignal } from './shutdown.ts';

/**
 * `bt-tui tracker`: the full-screen view on a terminal, plain lines with --headless or without
 * a TTY. Runs until q, SIGINT or SIGTERM, then flushes the database. Returns the exit code.
 */
export async function runTracker(options: TrackerOptions): Promise<number> {
  const fullScreen =
    !options.headless && process.stdout.isTTY === true && process.stdin.isTTY === true;
  const logger = new Logger({
    filePath: join(options.logsDir, 'tracker.log'),
    clock: systemClock,
    echo: fullScreen ? undefined : (line) => console.log(line),
  });
  const started = await startTracker({
    host: options.host,
    port: options.port,
    dbDir: options.dbDir,
    logger,
    sweepIntervalMs: options.sweepIntervalMs,
  });
  if (!started.ok) {
    console.error(`bt-tui: ${started.error.message}`);
    return 1;
  }
  const { tracker } = started;
  if (!fullScreen) {
    await onShutdownSignal();
    await tracker.stop();
    return 0;
  }
  let fatal: Error | null = null;
  const view = runFullScreen(
    <TrackerApp tracker={tracker} log={logger} onQuit={() => view.stop()} />,
    (error) => {
      fatal = error;
    },
  );
  void onShutdownSignal().then(() => view.stop());
  await view.finished;
  await tracker.stop();
  if (fatal !== null) {
    const error = fatal as Error;
    logger.log(`crashed: ${error.stack ?? error.message}`);
    console.error(
      `bt-tui: the tracker view crashed: ${error.message} (details in ${join(options.logsDir, 'tracker.log')})`,
    );
    return 1;
  }
  return 0;
}

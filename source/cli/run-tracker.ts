import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import { Logger } from '../log/logger.ts';
import { startTracker } from '../tracker/server.ts';
import { prepareFullScreenEnvironment } from './full-screen-env.ts';
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
  prepareFullScreenEnvironment();
  const { runTrackerView } = await import('./tracker-view.tsx');
  return runTrackerView(tracker, logger, options.logsDir);
}

import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import { LineBatch, LOG_BATCH_MS } from '../log/line-batch.ts';
import { Logger } from '../log/logger.ts';
import { limitTrackerHeapGrowth } from '../tracker/heap-growth.ts';
import { startTracker } from '../tracker/server.ts';
import { prepareFolder } from './folder-flag.ts';
import { prepareFullScreenEnvironment } from './full-screen-env.ts';
import { lockTrackerLog } from './log-lock.ts';
import type { TrackerOptions } from './parse-args.ts';
import { onShutdownSignal } from './shutdown.ts';
import { sayStdoutGone, stdoutGone, watchStdout } from './stdout-gone.ts';
import { notWrittenExit } from './tracker-exit.ts';

/**
 * `bt-tui tracker`: the full-screen view on a terminal, plain lines with --headless or without
 * a TTY. Runs until q, SIGINT or SIGTERM, then flushes the database. Returns the exit code.
 */
export async function runTracker(options: TrackerOptions): Promise<number> {
  const folderProblem =
    (await prepareFolder('--logs', options.logsDir)) ??
    (options.storeUrl ? null : await prepareFolder('--db', options.dbDir));
  if (folderProblem !== null) {
    console.error(`bt-tui: ${folderProblem}`);
    return 2;
  }
  const log = await lockTrackerLog(options.logsDir, options.port);
  if (!log.ok) {
    console.error(`bt-tui: ${log.problem}`);
    return 1;
  }
  limitTrackerHeapGrowth();
  const fullScreen =
    !options.headless && process.stdout.isTTY === true && process.stdin.isTTY === true;
  const logPath = join(options.logsDir, log.fileName);
  if (!fullScreen) watchStdout((reason) => sayStdoutGone(reason, logPath));
  const logger = new Logger({
    filePath: logPath,
    clock: systemClock,
    ...(fullScreen ? {} : { ringSize: 0 }),
    echo: fullScreen ? undefined : batchedStdout(),
  });
  if (log.note !== null) logger.log(log.note);
  const started = await startTracker({
    host: options.host,
    port: options.port,
    dbDir: options.dbDir,
    ...(options.storeUrl ? { storeUrl: options.storeUrl } : {}),
    logger,
    sweepIntervalMs: options.sweepIntervalMs,
    limits: { maxNodes: options.maxNodes, maxFiles: options.maxFiles },
  });
  if (!started.ok) {
    console.error(`bt-tui: ${started.error.message}`);
    return 1;
  }
  const { tracker } = started;
  const storeLocation = options.storeUrl ?? options.dbDir;
  if (!fullScreen) {
    await onShutdownSignal();
    return notWrittenExit(await tracker.stop(), storeLocation);
  }
  await prepareFullScreenEnvironment();
  const { runTrackerView } = await import('./tracker-view.tsx');
  return runTrackerView(tracker, logger, logPath, storeLocation);
}

/** Prints lines on stdout in batches (see line-batch.ts). */
function batchedStdout(): (line: string) => void {
  const batch = new LineBatch((text) => {
    if (!stdoutGone()) process.stdout.write(text);
  }, LOG_BATCH_MS);
  return (line) => batch.push(line);
}

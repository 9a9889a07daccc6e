import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import { Logger } from '../log/logger.ts';
import { startTracker } from '../tracker/server.ts';
import type { TrackerOptions } from './parse-args.ts';
import { onShutdownSignal } from './shutdown.ts';

/** `bt-tui tracker`: runs until SIGINT/SIGTERM, then flushes the database. Returns the exit code. */
export async function runTracker(options: TrackerOptions): Promise<number> {
  const logger = new Logger({
    filePath: join(options.logsDir, 'tracker.log'),
    clock: systemClock,
    echo: (line) => console.log(line),
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
  await onShutdownSignal();
  await tracker.stop();
  logger.log('tracker stopped; database written');
  return 0;
}

import { exportEmbedded, exportShared } from '../tracker/store/export.ts';
import type { TrackerExportOptions } from './parse-args.ts';

/**
 * `bt-tui tracker export`: prints the swarm a store holds as one JSON object on stdout.
 * Returns the exit code (1 with one line on stderr when there is nothing to read).
 */
export async function runTrackerExport(options: TrackerExportOptions): Promise<number> {
  const outcome = options.storeUrl
    ? await exportShared(options.storeUrl)
    : await exportEmbedded(options.dbDir);
  if (!outcome.ok) {
    console.error(`bt-tui: ${outcome.message}`);
    return 1;
  }
  process.stdout.write(outcome.text);
  return 0;
}

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
  // A closed pipe or a full disk: said in one line, exit 1 (it was a stack trace).
  process.stdout.on('error', () => {});
  const failed = await new Promise<Error | null | undefined>((resolve) =>
    process.stdout.write(outcome.text, resolve),
  );
  if (failed) {
    const code = (failed as NodeJS.ErrnoException).code ?? failed.message;
    console.error(`bt-tui: cannot write the export to standard output (${code})`);
    return 1;
  }
  return 0;
}

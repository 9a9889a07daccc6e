import { join } from 'node:path';
import { type CliProcess, spawnCli } from '../../peer/harness/cli.ts';

/**
 * A headless tracker of the real CLI on a free port, its log in `<root>/logs-<name>/`, its
 * store given by `store` (`['--db', dir]` or `['--store', url]`).
 */
export function spawnTracker(
  root: string,
  name: string,
  sweepSec: number,
  store: string[],
): CliProcess {
  const logs = join(root, `logs-${name}`);
  const args = ['--headless', '--port', '0', '--sweep', String(sweepSec), '--logs', logs];
  return spawnCli(['tracker', ...args, ...store]);
}

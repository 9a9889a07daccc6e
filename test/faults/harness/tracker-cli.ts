import assert from 'node:assert/strict';
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

/** What `bt-tui tracker export` prints, as far as the tests read it. */
export interface ExportedSwarm {
  nodes: { nodeId: number; uploadCredit: number }[];
  files: { name: string; owners: number[] }[];
}

/** `bt-tui tracker export --store URL`, parsed; it must exit 0. */
export async function exportSwarm(url: string): Promise<ExportedSwarm> {
  const cli = spawnCli(['tracker', 'export', '--store', url]);
  const exit = await cli.waitForExit();
  assert.equal(exit.code, 0, cli.stderr.join('\n'));
  return JSON.parse(cli.stdout.join('\n')) as ExportedSwarm;
}

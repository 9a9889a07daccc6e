import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessGroup } from './processes.ts';

/** What a bench runs in: a private temp dir and the processes it started. */
export interface Workspace {
  readonly dir: string;
  readonly group: ProcessGroup;
}

/**
 * Runs `body` in a fresh temp dir and always cleans up: normal end, thrown error, Ctrl+C or
 * SIGTERM all stop every started process (by pid) and remove the dir. Returns the exit code.
 * With BT_BENCH_KEEP=1 in the environment the dir (every node's log) is kept and named at the end.
 */
export async function withWorkspace(
  prefix: string,
  body: (workspace: Workspace) => Promise<number>,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const group = new ProcessGroup();
  let cleaned = false;
  const keep = process.env.BT_BENCH_KEEP === '1';
  const removeDir = () => {
    if (keep) console.error(`kept ${dir} (BT_BENCH_KEEP=1)`);
    else rmSync(dir, { recursive: true, force: true });
  };
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    await group.stopAll();
    removeDir();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the bench's processes and removing ${dir}`);
    void cleanUp().finally(() => process.exit(130));
  };
  // If the process dies some other way, at least kill the children and drop the dir.
  const onExit = () => {
    if (cleaned) return;
    group.killAllNow();
    removeDir();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  try {
    return await body({ dir, group });
  } catch (error) {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
}

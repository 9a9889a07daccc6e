/**
 * One process per node log. Two nodes of one id started from different `--files` (two swarms
 * on one machine, or a slip of the flag) appended to the same `logs/node<ID>.log`, the second's
 * refused start between the first's lines (found by a session).
 */
import { join } from 'node:path';
import { LOCK_FILE_NAME, liveHolder, lockFolder } from '../folder-lock.ts';
import { STATE_DIR_NAME } from '../peer/node-folder.ts';

/**
 * Takes the lock of node `nodeId`'s log in `logsDir` for this process (held until it exits);
 * returns why this node cannot start, or null.
 */
export async function lockNodeLog(
  logsDir: string,
  nodeId: number,
  filesDir: string,
): Promise<string | null> {
  let locked: Awaited<ReturnType<typeof lockFolder>>;
  try {
    locked = await lockFolder(logsDir, `.node${nodeId}.log.lock`);
  } catch {
    // A folder that takes no file takes no log either: the logger says so and keeps the lines
    // in memory.
    return null;
  }
  if (locked.ok) return null;
  // The same node folder too: its own refusal says more (where that node runs from).
  const stateDir = join(filesDir, `node${nodeId}`, STATE_DIR_NAME);
  if ((await liveHolder(stateDir, LOCK_FILE_NAME)) === locked.pid) return null;
  const logPath = join(logsDir, `node${nodeId}.log`);
  return `node ${nodeId} is already running with its log in ${logPath} (process ${locked.pid}): stop it first, or give this one another --id or --logs`;
}

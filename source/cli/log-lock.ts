/**
 * One process per log file. Two nodes of one id started from different `--files` (two swarms
 * on one machine, or a slip of the flag) appended to the same `logs/node<ID>.log`, the second's
 * refused start between the first's lines; two trackers on one machine (a failover pair sharing
 * a Redis store, with the default `--logs`) wrote one `tracker.log` (both found by a session).
 */
import { join } from 'node:path';
import { LOCK_FILE_NAME, liveHolder, lockFolder } from '../folder-lock.ts';
import { STATE_DIR_NAME } from '../peer/node-folder.ts';

/**
 * Takes the lock of `logsDir/fileName` for this process (held until it exits): null once
 * taken, else the process that holds it. A folder that takes no file takes no log either: the
 * logger says so and keeps its lines in memory; null then too.
 */
async function takeLog(logsDir: string, fileName: string): Promise<number | null> {
  try {
    const locked = await lockFolder(logsDir, `.${fileName}.lock`);
    return locked.ok ? null : locked.pid;
  } catch {
    return null;
  }
}

/** Takes node `nodeId`'s log in `logsDir`; returns why this node cannot start, or null. */
export async function lockNodeLog(
  logsDir: string,
  nodeId: number,
  filesDir: string,
): Promise<string | null> {
  const fileName = `node${nodeId}.log`;
  const holder = await takeLog(logsDir, fileName);
  if (holder === null) return null;
  // The same node folder too: its own refusal says more (where that node runs from).
  const stateDir = join(filesDir, `node${nodeId}`, STATE_DIR_NAME);
  if ((await liveHolder(stateDir, LOCK_FILE_NAME)) === holder) return null;
  return `node ${nodeId} is already running with its log in ${join(logsDir, fileName)} (process ${holder}): stop it first, or give this one another --id or --logs`;
}

/**
 * Takes `tracker.log` in `logsDir`, or where another tracker writes it, `tracker-<PORT>.log`:
 * trackers of one swarm may well run side by side. `note` says so (the log's first line).
 */
export async function lockTrackerLog(
  logsDir: string,
  port: number,
): Promise<{ ok: true; fileName: string; note: string | null } | { ok: false; problem: string }> {
  const first = await takeLog(logsDir, 'tracker.log');
  if (first === null) return { ok: true, fileName: 'tracker.log', note: null };
  const fileName = `tracker-${port === 0 ? process.pid : port}.log`;
  const second = await takeLog(logsDir, fileName);
  if (second !== null)
    return {
      ok: false,
      problem: `another tracker (process ${second}) writes ${join(logsDir, fileName)}: stop it first, or give this one another --logs`,
    };
  const note = `${join(logsDir, 'tracker.log')} is written by another tracker (process ${first}): this one writes ${join(logsDir, fileName)}`;
  return { ok: true, fileName, note };
}

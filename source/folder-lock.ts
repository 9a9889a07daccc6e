/**
 * One process per folder: a node's folder, a tracker's embedded store (`--db`).
 *
 * Two `bt-tui peer --id 62` with the same files folder share one key, so the tracker takes each
 * for the node come back from a new address: found by hand, two such processes took the id from
 * each other every 20 s for half an hour (193 `rejoined node 62` lines), every NEED answer pointed
 * at one or the other, and both wrote the same part files and seeding record. Two trackers on one
 * `--db` (a second started for failover with the default folder) each loaded the other's records
 * and wrote its own over them. A lock file holds the running process's id; a second process is
 * refused while that one lives. A lock left by a process that died (SIGKILL, power) names no live
 * process and is taken over.
 */
import { rmSync } from 'node:fs';
import { link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDiskFull } from './disk-full.ts';
import { procStatFields } from './net/proc-text.ts';
import { writeInPlace } from './write-in-place.ts';

/** The lock file of a node folder's state dir. */
export const LOCK_FILE_NAME = 'node.lock';

/** The folder is ours; release() gives it up (also done at process exit if not before). */
export interface FolderLock {
  release(): Promise<void>;
}

export type LockOutcome =
  | { ok: true; lock: FolderLock }
  /** `pid`: the process that holds it. */
  | { ok: false; pid: number };

/**
 * What a lock file says: the holder's pid, when it started (Linux; '' elsewhere), and the folder
 * it locked (`dev:inode`; '' in locks written before 2026-12-06).
 */
interface Holder {
  pid: number;
  startedAt: string;
  folder: string;
}

/**
 * The folder as the file system knows it, whatever its path: a copy is another folder (and a
 * lock copied with it names the folder it was copied from), a folder moved is the same one.
 */
async function folderIdentity(dir: string): Promise<string> {
  const info = await stat(dir, { bigint: true });
  return `${info.dev}:${info.ino}`;
}

/**
 * When process `pid` started, in clock ticks since boot (/proc/PID/stat, field 22), or '' where
 * there is no /proc. With the pid it names one process: pids are reused (32,768 of them here).
 */
function startTimeOf(pid: number): string {
  return procStatFields(pid)?.[19] ?? '';
}

/**
 * True while the process that wrote the lock still runs (not just any process with its pid). A
 * process killed and not yet reaped (a zombie: where nothing reaps, a container's, it stayed so
 * ~1 s) runs no more: a restart right after `kill -9` was refused for it (found by a session).
 */
function holderAlive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0); // signal 0: checks, sends nothing
  } catch (error) {
    // EPERM: it exists, under another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (procStatFields(holder.pid)?.[0] === 'Z') return false;
  return holder.startedAt === '' || holder.startedAt === startTimeOf(holder.pid);
}

async function holderOf(path: string): Promise<Holder | null> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const [pidText, startedAt = '', folder = ''] = text.trim().split(' ');
  const pid = Number(pidText);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, startedAt, folder } : null;
}

/**
 * Takes the lock of `dir` (its file `fileName`) for this process, or says which live process
 * holds it. Throws only for a folder that cannot be written (the caller reports it as a folder
 * problem).
 */
export async function lockFolder(dir: string, fileName = LOCK_FILE_NAME): Promise<LockOutcome> {
  const path = join(dir, fileName);
  // Written whole beside it, then linked into place: link() fails if the lock exists, and a
  // lock is never seen empty (a process starting at the same moment would take an empty one
  // for stale and remove it).
  const draft = `${path}.${process.pid}`;
  const folder = await folderIdentity(dir);
  const content = `${process.pid} ${startTimeOf(process.pid)} ${folder}\n`;
  try {
    // Inside the try: on a full disk the draft is made and then not written, and it was left
    // behind (found by a session).
    await writeFile(draft, content, { mode: 0o644 }).catch(async (error: unknown) => {
      if (!isDiskFull(error) || !(await reuseStaleLock(path, draft, content, folder))) throw error;
    });
    // Two tries: the second after removing a lock whose process is gone. Two processes racing
    // for a stale lock both remove it, one links its own first, the other finds it held.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await placeLock(draft, path, content)) return { ok: true, lock: lockAt(path) };
      const holder = await holderOf(path);
      // This very process's lock (a node opened again in the same process, as tests do), a
      // lock of a process that is gone, and a lock copied with its folder are taken over. A
      // node folder copied to start another node beside it (cp -r node1 node5) was refused as
      // `already running … (process N)`, N being node 1 (found by hand).
      if (holds(holder, folder)) return { ok: false, pid: holder!.pid };
      await rm(path, { force: true });
    }
    throw new Error(`${path} is taken and freed again by other processes; try again`);
  } finally {
    await rm(draft, { force: true });
  }
}

/**
 * True when `dir` holds a lock (`fileName`) whose process is gone: the folder's owner died
 * without cleaning up. False where there is no lock, or its holder runs.
 */
export async function isAbandoned(dir: string, fileName: string): Promise<boolean> {
  const holder = await holderOf(join(dir, fileName));
  return holder !== null && !holderAlive(holder);
}

/** The process holding `dir`'s lock (`fileName`) while it runs; null if none does. */
export async function liveHolder(dir: string, fileName: string): Promise<number | null> {
  const holder = await holderOf(join(dir, fileName));
  return holder !== null && holderAlive(holder) ? holder.pid : null;
}

/** Whether `holder` holds the folder `folder` now (else its lock is stale and taken over). */
function holds(holder: Holder | null, folder: string): boolean {
  return (
    holder !== null &&
    holder.pid !== process.pid &&
    holderAlive(holder) &&
    (holder.folder === '' || holder.folder === folder)
  );
}

/**
 * On a full disk the draft finds no block: a stale lock's own file becomes the draft instead,
 * renamed (of two processes doing so, one gets it) and written over in place, which needs no new
 * block. Until 2026-12-07 a node killed while its disk was full could not start again until
 * room was made (found by a session). True if the draft now holds `content`.
 */
async function reuseStaleLock(
  path: string,
  draft: string,
  content: string,
  folder: string,
): Promise<boolean> {
  if (holds(await holderOf(path), folder)) return false;
  try {
    await rename(path, draft);
  } catch {
    return false;
  }
  // Another process's lock may have taken the stale one's place in between: given back.
  if (holds(await holderOf(draft), folder)) {
    await link(draft, path).catch(() => {});
    return false;
  }
  // A lock is a line within its file's one block; a lock half written is unreadable, so stale.
  await writeInPlace(draft, content);
  return true;
}

/** Puts the lock in place unless one is there: false if one is. */
async function placeLock(draft: string, path: string, content: string): Promise<boolean> {
  try {
    await link(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
  }
  // A filesystem without hard links (FAT on a USB stick): created exclusively, then written.
  try {
    await writeFile(path, content, { flag: 'wx', mode: 0o644 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Locks this process holds; one exit hook removes them all (a node per lock, many in tests). */
const held = new Set<string>();
let exitHookSet = false;

function releaseAllAtExit(): void {
  for (const path of held) {
    try {
      rmSync(path, { force: true });
    } catch {}
  }
  held.clear();
}

function lockAt(path: string): FolderLock {
  held.add(path);
  // A process that ends without release() (an uncaught error, process.exit) leaves no lock.
  if (!exitHookSet) {
    exitHookSet = true;
    process.once('exit', releaseAllAtExit);
  }
  return {
    async release() {
      if (!held.delete(path)) return;
      await rm(path, { force: true });
    },
  };
}

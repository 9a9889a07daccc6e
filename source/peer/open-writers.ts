/**
 * Which of some files a process has open for writing, from /proc (Linux): a copy into the node
 * folder that stalls longer than the quiet period (a network share, a USB stick) still holds its
 * file open, and is not done. Processes of other users are not seen unless this one is root,
 * and a writer on another machine (a shared folder) never is: then the quiet period alone
 * decides (seeded-file-watch.ts). Read only when a file is about to be seeded, never per listing.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

/** O_ACCMODE's bits of an open file's flags: 1 O_WRONLY, 2 O_RDWR. */
const ACCESS_MODE = 3;

/** The ones of `paths` (real paths) some other process has open for writing; none off Linux. */
export async function openForWriting(paths: ReadonlySet<string>): Promise<Set<string>> {
  const writing = new Set<string>();
  if (paths.size === 0) return writing;
  const pids = await readdir('/proc').catch(() => [] as string[]);
  const own = String(process.pid);
  await Promise.all(
    pids
      .filter((pid) => /^\d+$/.test(pid) && pid !== own)
      .map(async (pid) => {
        const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
        for (const fd of fds) {
          const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
          if (!paths.has(target) || writing.has(target)) continue;
          const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'latin1').catch(() => '');
          const flags = /^flags:\s*([0-7]+)/m.exec(info);
          if (flags && (Number.parseInt(flags[1]!, 8) & ACCESS_MODE) !== 0) writing.add(target);
        }
      }),
  );
  return writing;
}

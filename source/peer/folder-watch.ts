import { type FSWatcher, watch } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { basename } from 'node:path';

const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * Filesystems whose files other machines change (linux/magic.h), unseen by this kernel's inotify,
 * or served by a process that may not report (FUSE: sshfs, rclone): no watch is trusted there.
 */
const REMOTE_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x6969, 'NFS'],
  [0x517b, 'SMB'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB2'],
  [0x65735546, 'FUSE'],
  [0x01021997, '9P'],
  [0x00c36400, 'Ceph'],
  [0x5346414f, 'AFS'],
]);

/**
 * Which names of the node folder the kernel says were written, created, removed or renamed since
 * the last listing (inotify on Linux, through fs.watch), so that the listing can look at those at
 * once and at the others rarely. Without it every seeded file had to be looked at every 25 s at
 * most (200 lstats a second from 1,000 seeded files up), and a file rewritten in place was served
 * for up to that long. A headless node seeding 3,000 small files, idle: 1.0 % of a core before,
 * 0.6–0.7 % watched (2-core VM, 2026-12-06).
 *
 * Not the only source of truth: a watch misses what the kernel does not report (a write through
 * a memory map, a file changed by another host on a network mount, a full event queue), so the
 * listing still looks at every file in turn, slowly (node-folder.ts). Paused while a download
 * writes its part file into the folder: each write is an event, a callback per turn of the loop
 * on the transfer's hot path; the listing falls back to its faster turns meanwhile.
 */
async function typeOfFilesystem(path: string): Promise<number | undefined> {
  return (await statfs(path).catch(() => null))?.type;
}

export class FolderWatch {
  private watcher: FSWatcher | null = null;
  private touched = new Set<string>();
  /** An event without a name (the kernel did not say which): every name is due. */
  private everything = false;
  /** Wall clock (ms) at which the running watch began; NaN while none runs. */
  private sinceMs = Number.NaN;
  /** The folder (device and inode) the running watch is on: another one is watched anew. */
  private watchedFolder = '';
  /** Why no watch can run here (a network filesystem, too many watches), once found. */
  private unavailable: string | null = null;
  private checkedFilesystem = false;
  private closed = false;
  /** What an event names when it is about the folder itself. */
  private readonly folderName: string;

  constructor(
    private readonly folderPath: string,
    /** Names that are none of the listing's business (state folder, part files, hidden). */
    private readonly ignored: (name: string) => boolean,
    /** The filesystem's type (`statfs`), undefined if it cannot be told: a test's NFS. */
    private readonly filesystemOf: (path: string) => Promise<number | undefined> = typeOfFilesystem,
  ) {
    this.folderName = basename(folderPath);
  }

  /**
   * Watches (`on`) or not. `folder` says which folder is at the path now (`device:inode`): a
   * watch on one that is no longer there (a disk mounted over it) reports nothing, and is begun
   * again on the one that is.
   */
  async set(on: boolean, folder: string, nowMs: number): Promise<void> {
    if (this.watcher !== null && (!on || folder !== this.watchedFolder)) this.stop();
    if (!on || this.watcher !== null || this.unavailable !== null || this.closed) return;
    if (!this.checkedFilesystem) {
      this.checkedFilesystem = true;
      const type = await this.filesystemOf(this.folderPath);
      const remote = type === undefined ? undefined : REMOTE_FILESYSTEMS.get(type);
      if (remote !== undefined) {
        this.unavailable = `the folder is on ${remote}, whose changes this machine is not told of`;
        return;
      }
    }
    // Another listing began one meanwhile, or the node closed the folder.
    if (this.watcher !== null || this.closed) return;
    try {
      const watcher = watch(this.folderPath, { persistent: false }, (event, name) => {
        if (name === null) {
          this.everything = true;
        } else if (event === 'rename' && name === this.folderName) {
          // How the folder itself being deleted, moved or unmounted is told (or an entry of the
          // same name made or removed): this watch may be over. Begun again at the next listing;
          // until each file is looked at under it, the unwatched periods apply.
          this.stop();
        } else if (!this.ignored(name)) {
          this.touched.add(name);
        }
      });
      // The folder gone or unreadable: the listing says so; until the next set() nothing is
      // watched and every file is looked at in turn as without a watch.
      watcher.on('error', () => this.stop());
      this.watcher = watcher;
      this.sinceMs = nowMs;
      this.watchedFolder = folder;
    } catch (error) {
      // Gone since the listing looked (deleted, or being made again): tried at the next one.
      // Anything else (the inotify limit reached) stays so: said once, not tried each second.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.unavailable = (error as Error).message;
      }
    }
  }

  /**
   * What happened since the last call: the names touched (or every name), and since when the
   * watch has run unbroken (NaN: none runs; a file last looked at before then may have changed
   * unreported).
   */
  take(): { names: ReadonlySet<string>; everything: boolean; sinceMs: number } {
    const names = this.touched.size === 0 ? NO_NAMES : this.touched;
    if (names === this.touched) this.touched = new Set();
    const taken = { names, everything: this.everything, sinceMs: this.sinceMs };
    this.everything = false;
    return taken;
  }

  /** Why no watch can run on this machine (null: one can, or has not been tried). */
  get whyUnavailable(): string | null {
    return this.unavailable;
  }

  /** For good: a listing still under way when the node closes begins no watch after this. */
  close(): void {
    this.closed = true;
    this.stop();
  }

  private stop(): void {
    this.watcher?.close();
    this.watcher = null;
    this.sinceMs = Number.NaN;
    this.watchedFolder = '';
    // What was reported before the watch stopped is still news to the next listing.
  }
}

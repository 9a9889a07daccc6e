/**
 * A node's own folder, `<filesDir>/node<ID>/`, and the one place where a file name from a person
 * or from the network becomes a path. Names from the network are hostile (NOTES.md item 7):
 * containment is decided on real paths by ancestry, never by a string prefix.
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isDiskFull } from '../disk-full.ts';
import { makeFolder } from '../make-folder.ts';
import { compareNatural } from '../natural-order.ts';
import { MAX_NAME_BYTES } from '../protocol/messages.ts';
import {
  describeLocalNameError,
  describeNameError,
  PART_SUFFIX,
  validateFileName,
} from '../protocol/names.ts';
import { FolderWatch } from './folder-watch.ts';

/** Hidden folder inside the node folder for our own state (metainfo cache, node key). */
export const STATE_DIR_NAME = '.bt-tui';

/** A node's folder: where it seeds from and downloads to. */
export interface NodeFolder {
  /** Real path of the node folder. */
  readonly path: string;
  /** `<path>/.bt-tui` (hidden; our caches and key, nothing else). */
  readonly stateDir: string;
  /** Resolves a file name from a user or the network to a path inside the folder, or says why not. */
  resolve(name: string): Promise<ResolvedName>;
  /**
   * Regular files of the folder (not .bt-tui, not *.part, not dotfiles), with size, mtime and
   * inode, and what cannot be shared (folders, FIFOs, links leading out), each with why; every
   * file looked at now.
   */
  listNow(): Promise<FolderListing>;
  /**
   * listNow(), cheap enough to call every second: a plain file's size and times come from a
   * cache that is refreshed a share at a time (see PlainFileStats), except for the names in
   * `fresh` and files written to lately, which are looked at every call. With `watch`, what the
   * kernel reports changed is looked at, and the rest rarely (see FolderWatch). The last listing
   * itself (the same object) when nothing changed.
   */
  listEntries(fresh?: ReadonlySet<string>, watch?: boolean): Promise<FolderListing>;
  /** Why the folder cannot be watched here (a network filesystem, no inotify), or null. */
  whyUnwatched(): string | null;
  /** Ends the folder's watch (see FolderWatch); the folder stays usable, unwatched. */
  close(): void;
}

/** Where a name leads: a path inside the folder (which may not exist yet), or a sentence why not. */
export type ResolvedName = { ok: true; path: string } | { ok: false; reason: string };

/** One file of a listing. */
export interface FolderFile {
  name: string;
  sizeBytes: number;
  mtimeMs: number;
  /** The inode: a file replaced by another under the same name has another (seeded-file-watch). */
  ino: number;
}

/** A name in the folder that is there but cannot be shared, and why (for My files). */
export interface UnsupportedEntry {
  name: string;
  reason: string;
}

/** What listEntries() finds: shareable files and the entries that are not, both by name. */
export interface FolderListing {
  files: FolderFile[];
  unsupported: UnsupportedEntry[];
}

/**
 * Why a node folder cannot be used, for a person. A folder the node may not write to (read-only
 * media, another user's) also says why it must: seeding alone needs no write, a person expects,
 * but the key, the lock and the records live in the node folder.
 */
export function folderErrorText(displayPath: string, error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const state = join(displayPath, STATE_DIR_NAME);
  // A full disk said only `ENOSPC: no space left on device, write` (found by a session).
  if (isDiskFull(error))
    return `${text} (the disk is full: a node writes its lock, key and records in ${state} as it starts, even to seed alone; free some space there)`;
  if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') return text;
  return `${text} (a node keeps its key and records in ${state}, even to seed alone)`;
}

/**
 * Why a node folder held by another live process cannot be used. A node folder that is a link
 * to another node's folder is that node's: it was called `node 5 is already running from …
 * (process N)`, N being node 3 (found by a session).
 */
export async function folderInUse(
  nodeId: number,
  displayPath: string,
  realPath: string,
  pid: number,
): Promise<string> {
  const linked = await lstat(displayPath).then(
    (info) => info.isSymbolicLink(),
    () => false,
  );
  if (linked)
    return `${displayPath} is a link to ${realPath}, which process ${pid} runs a node from: stop it first, or give node ${nodeId} a folder of its own`;
  return `node ${nodeId} is already running from ${displayPath} (process ${pid}): stop it first, or give this one another --id or --files`;
}

/**
 * Why node `nodeId` cannot use a folder that is really another node's (`node4` a link to
 * `node1`), or null: it would take that node's key and records, and be refused as that node,
 * or, that node stopped, be it at the tracker (found by a session).
 */
export function otherNodesFolder(
  nodeId: number,
  displayPath: string,
  realPath: string,
): string | null {
  const owner = /^node(\d+)$/.exec(basename(realPath));
  if (owner === null || Number(owner[1]) === nodeId) return null;
  return `${displayPath} is a link to ${realPath}, node ${owner[1]}'s folder: a node keeps its key and records in its folder, so node ${nodeId} needs a folder of its own`;
}

/** `<filesDir>/node<ID>/`, created if missing (with its state folder); returns its realpath. */
export async function openNodeFolder(filesDir: string, nodeId: number): Promise<NodeFolder> {
  if (!Number.isSafeInteger(nodeId) || nodeId < 0) throw new Error(`bad node id ${nodeId}`);
  const displayPath = join(filesDir, `node${nodeId}`);
  await makeFolder(displayPath);
  const folderPath = await realpath(displayPath);
  const stateDir = join(folderPath, STATE_DIR_NAME);
  await makeFolder(stateDir);
  // A link here would send our key and caches somewhere else; refuse rather than follow it.
  if (!(await lstat(stateDir)).isDirectory()) {
    throw new Error(`${join(displayPath, STATE_DIR_NAME)} is not a folder`);
  }
  const scan = new FolderScan(folderPath);
  return {
    path: folderPath,
    stateDir,
    resolve: (name) => resolveName(folderPath, displayPath, name),
    listNow: () => listFolderNow(folderPath, displayPath),
    listEntries: (fresh = NO_NAMES, watch = false) =>
      scan.list(folderPath, displayPath, fresh, watch),
    whyUnwatched: () => scan.watch.whyUnavailable,
    close: () => scan.watch.close(),
  };
}

async function resolveName(
  folderPath: string,
  displayPath: string,
  name: string,
): Promise<ResolvedName> {
  const nameError = validateFileName(name);
  if (nameError !== null) return { ok: false, reason: describeNameError(name, nameError) };
  const refused = (why: string): ResolvedName => ({
    ok: false,
    reason: `name ${JSON.stringify(name)} refused: ${why}`,
  });
  const candidate = join(folderPath, name);
  try {
    await lstat(candidate);
  } catch (error) {
    // Not there yet (a download target): the validated name is one component of the folder.
    if (isNotFound(error)) return { ok: true, path: candidate };
    return refused(`it cannot be read (${describeFsError(error)})`);
  }
  let realPath: string;
  try {
    realPath = await realpath(candidate);
  } catch (error) {
    if (isNotFound(error)) return refused('it is a link to a file that does not exist');
    return refused(`it cannot be read (${describeFsError(error)})`);
  }
  // Ancestry of real paths: the file itself must sit directly in the node folder. A link to
  // anything elsewhere (another folder, a subfolder, our state folder) is refused.
  if (dirname(realPath) !== folderPath) {
    return refused(`it is a link to a file outside ${displayPath}`);
  }
  const target = await stat(realPath).catch(() => null);
  if (target === null) return refused('it cannot be read');
  if (target.isDirectory()) return refused('it is a folder, not a file');
  if (!target.isFile()) return refused('it is not a regular file');
  return { ok: true, path: realPath };
}

/** Names a listing leaves out: our state, partial downloads, hidden files. */
function isHiddenName(name: string): boolean {
  return name.startsWith('.') || name.endsWith(PART_SUFFIX);
}

/**
 * Said of an entry whose name is not UTF-8 on disk (written by an old system in Latin-1, say).
 * Node reads such a name with U+FFFD for the bytes it cannot decode, a name no file has: it was
 * left out of the listing without a word, and `--seed` said `there is no bad�.bin` (found by a
 * session).
 */
export const NOT_UTF8 =
  'its name is not valid UTF-8 (� stands for what is not): rename it to share it';

/** True where `name`, as read from the folder, is not the name of any file in it (see NOT_UTF8). */
async function notUtf8OnDisk(folderPath: string, name: string): Promise<boolean> {
  if (!name.includes('\uFFFD')) return false;
  return (await lstat(join(folderPath, name)).catch(() => null)) === null;
}

/** The one reason every unsupported entry shares, after what it is. */
const ONLY_PLAIN_FILES = 'only plain files can be shared';

const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * The folder is listed every second, and an idle node with 2,000 files in its folder used a
 * third of a core doing it (resolve()'s lstat, realpath and stat, then a stat, per file, each a
 * trip through libuv's thread pool). Now the entries are read only when the folder changed (see
 * FolderScan), and a plain file costs one lstat when due: each is looked at again once per
 * `files x RESTAT_MS_PER_FILE` (at least every second; 40 s for 2,000 files), spread over that
 * period, while a file written to in the last RECENT_WRITE_MS (being copied in, rebuilt) is
 * looked at every time, and so are the names the caller needs fresh (seeded files:
 * seeded-file-watch.ts) while there are at most FRESH_EVERY_TIME of them; more are looked at in
 * turn, each once per `fresh names x FRESH_RESTAT_MS_PER_FILE` (10 s for 2,000 seeded files).
 * Measured (2-core VM, 2,000 files, headless idle node): 32 % of a core before, 1.5–1.7 % now
 * with none seeded; all 2,000 seeded, 8.8 % looked at every time, 1.7 % in turn.
 *
 * While the folder is watched (FolderWatch), a file the kernel reports is looked at in the next
 * listing, and every other file, seeded or not, once per `files x WATCHED_RESTAT_MS_PER_FILE`
 * (at least every WATCHED_MIN_RESTAT_MS) for what a watch cannot see. A file last looked at
 * before the watch began keeps the periods above until it is looked at again.
 */
const RESTAT_MS_PER_FILE = 20;
const MIN_RESTAT_MS = 1_000;
const RECENT_WRITE_MS = 10_000;
const FRESH_EVERY_TIME = 100;
const FRESH_RESTAT_MS_PER_FILE = 5;
const WATCHED_RESTAT_MS_PER_FILE = 50;
const WATCHED_MIN_RESTAT_MS = 30_000;

/** What the folder's watch reported since the last listing (FolderWatch.take). */
type Reported = ReturnType<FolderWatch['take']>;
const NOTHING_REPORTED: Reported = { names: new Set(), everything: false, sinceMs: Number.NaN };

/** Plain files' stats from earlier listings, with when each was taken (wall clock, ms). */
class PlainFileStats {
  /** `watchSinceMs`: the watch that ran when the file was looked at (NaN: none). */
  private readonly known = new Map<
    string,
    { file: FolderFile; statedAtMs: number; watchSinceMs: number }
  >();

  private lastNames: string[] | null = null;

  /** `names` in order, each with its stats; `changed`: a file differs from the last call's. */
  async list(
    folderPath: string,
    names: string[],
    fresh: ReadonlySet<string>,
    reported: Reported = NOTHING_REPORTED,
  ): Promise<{ files: FolderFile[]; changed: boolean }> {
    const nowMs = Date.now();
    const periodMs = Math.max(MIN_RESTAT_MS, names.length * RESTAT_MS_PER_FILE);
    const freshPeriodMs =
      fresh.size <= FRESH_EVERY_TIME ? 0 : fresh.size * FRESH_RESTAT_MS_PER_FILE;
    const watchedPeriodMs = Math.max(
      WATCHED_MIN_RESTAT_MS,
      names.length * WATCHED_RESTAT_MS_PER_FILE,
    );
    const watchSinceMs = reported.sinceMs;
    // A file looked at under the running watch: what changed it since was reported. NaN (no
    // watch) equals nothing, so without a watch every file keeps the periods above.
    const periodOf = (name: string, cachedSinceMs: number): number =>
      cachedSinceMs === watchSinceMs ? watchedPeriodMs : fresh.has(name) ? freshPeriodMs : periodMs;
    const files: FolderFile[] = [];
    let changed = false;
    // The names of the last read again (the same array): none to forget.
    if (names !== this.lastNames) {
      this.lastNames = names;
      const listed = new Set(names);
      for (const name of this.known.keys()) {
        if (listed.has(name)) continue;
        this.known.delete(name);
        changed = true;
      }
    }
    for (const name of names) {
      const cached = this.known.get(name);
      const due =
        cached === undefined ||
        reported.everything ||
        reported.names.has(name) ||
        nowMs - cached.statedAtMs >= periodOf(name, cached.watchSinceMs) ||
        nowMs - cached.file.mtimeMs < RECENT_WRITE_MS;
      if (!due) {
        files.push(cached.file);
        continue;
      }
      const info = await lstat(join(folderPath, name)).catch(() => null);
      if (!info?.isFile()) {
        if (this.known.delete(name)) changed = true;
        continue;
      }
      const file = { name, sizeBytes: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
      // First seen: due again at a random point of the period, so the files of a big folder are
      // looked at a share per listing rather than all together.
      const firstPeriodMs = Number.isNaN(watchSinceMs) ? periodMs : watchedPeriodMs;
      const statedAtMs = cached === undefined ? nowMs - Math.random() * firstPeriodMs : nowMs;
      const same = cached !== undefined && sameFile(cached.file, file);
      if (!same) changed = true;
      // The same object while the file is the same: a listing that changed nothing is the last.
      this.known.set(name, { file: same ? cached.file : file, statedAtMs, watchSinceMs });
      files.push(same ? cached.file : file);
    }
    return { files, changed };
  }
}

/**
 * The folder's entries are read again when its modification time changed (an entry added,
 * removed or renamed), or when the last read is this old (a link's target can change without
 * it), or while the folder changed within the last second (a change in the same clock tick as
 * the last read would not move the time).
 */
const REREAD_MS = 10_000;
const SAME_TICK_MS = 1_000;

/** What one read of the folder found, before plain files' stats. */
interface FolderRead {
  /** Plain files with names we accept: their stats come from PlainFileStats. */
  plain: string[];
  /** Links that resolve() accepts, with their targets' stats. */
  linked: FolderFile[];
  unsupported: UnsupportedEntry[];
}

function sameFile(a: FolderFile, b: FolderFile): boolean {
  return a.sizeBytes === b.sizeBytes && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

function sameRead(a: FolderRead, b: FolderRead): boolean {
  const sameList = <T>(x: T[], y: T[], same: (p: T, q: T) => boolean) =>
    x.length === y.length && x.every((item, i) => same(item, y[i]!));
  return (
    sameList(a.plain, b.plain, (x, y) => x === y) &&
    sameList(a.linked, b.linked, (x, y) => x.name === y.name && sameFile(x, y)) &&
    sameList(a.unsupported, b.unsupported, (x, y) => x.name === y.name && x.reason === y.reason)
  );
}

/** A node folder's listing state between calls of listEntries(). */
class FolderScan {
  readonly stats = new PlainFileStats();
  readonly watch: FolderWatch;
  private last: { read: FolderRead; dirMtimeMs: number; readAtMs: number } | null = null;
  /** The last listing, and the read it came from: returned again while nothing changed. */
  private lastListing: { listing: FolderListing; read: FolderRead } | null = null;

  constructor(folderPath: string) {
    this.watch = new FolderWatch(folderPath, isHiddenName);
  }

  /**
   * The folder's files and other entries: the last listing itself (the same object) when no
   * entry and no file's stats changed, so that a caller can tell at once that nothing did. An
   * idle view with 5,000 files in its folder spent 1.8 % of a core sorting them (a natural sort)
   * and comparing its snapshot with the last, every second.
   */
  async list(
    folderPath: string,
    displayPath: string,
    fresh: ReadonlySet<string>,
    watch: boolean,
  ): Promise<FolderListing> {
    const read = await this.read(folderPath, displayPath, watch);
    const reported = this.watch.take();
    const { files, changed } = await this.stats.list(folderPath, read.plain, fresh, reported);
    const last = this.lastListing;
    if (last !== null && last.read === read && !changed) return last.listing;
    const listing = listingOf(read, files);
    this.lastListing = { listing, read };
    return listing;
  }

  async read(folderPath: string, displayPath: string, watch: boolean): Promise<FolderRead> {
    const nowMs = Date.now();
    const folder = await stat(folderPath);
    const dirMtimeMs = folder.mtimeMs;
    await this.watch.set(watch, `${folder.dev}:${folder.ino}`, nowMs);
    const last = this.last;
    if (
      last !== null &&
      last.dirMtimeMs === dirMtimeMs &&
      nowMs - last.readAtMs < REREAD_MS &&
      nowMs - dirMtimeMs > SAME_TICK_MS
    ) {
      return last.read;
    }
    const fresh = await readFolder(folderPath, displayPath);
    // Read again for its age alone, it usually finds what it found: the last read is kept, so
    // that list() sees nothing changed (the view compared 5,000 equal rows every 10 s).
    const read = last !== null && sameRead(last.read, fresh) ? last.read : fresh;
    this.last = { read, dirMtimeMs, readAtMs: nowMs };
    return read;
  }
}

/** The folder read and every file looked at now (listNow, on demand). */
async function listFolderNow(folderPath: string, displayPath: string): Promise<FolderListing> {
  const read = await readFolder(folderPath, displayPath);
  const { files } = await new PlainFileStats().list(folderPath, read.plain, NO_NAMES);
  return listingOf(read, files);
}

/** A listing from a read (its plain names in order) and those files' stats, in the same order. */
function listingOf(read: FolderRead, plainFiles: FolderFile[]): FolderListing {
  // Links are few: merged in, the files stay in name order without sorting thousands again.
  const files =
    read.linked.length === 0 ? plainFiles : [...read.linked, ...plainFiles].sort(byName);
  return { files, unsupported: [...read.unsupported] };
}

async function readFolder(folderPath: string, displayPath: string): Promise<FolderRead> {
  const entries = await readdir(folderPath, { withFileTypes: true });
  const linked: FolderFile[] = [];
  const unsupported: UnsupportedEntry[] = [];
  const plain: string[] = [];
  for (const entry of entries) {
    if (isHiddenName(entry.name)) continue;
    if (await notUtf8OnDisk(folderPath, entry.name)) {
      unsupported.push({ name: entry.name, reason: NOT_UTF8 });
      continue;
    }
    if (entry.isFile() && validateFileName(entry.name) === null) {
      plain.push(entry.name);
      continue;
    }
    const kindProblem = unsupportedKind(entry);
    if (kindProblem !== null) {
      unsupported.push({ name: entry.name, reason: `${kindProblem}: ${ONLY_PLAIN_FILES}` });
      continue;
    }
    // A plain file (or a link) whose name no peer may be asked to create: the name is the
    // problem, and "only plain files can be shared" said of a plain file misled (until 2026-12-06).
    const nameError = validateFileName(entry.name);
    if (nameError !== null) {
      unsupported.push({ name: entry.name, reason: describeLocalNameError(nameError) });
      continue;
    }
    // Links are listed as files only when resolve() would accept them, so files are seedable.
    const resolved = await resolveName(folderPath, displayPath, entry.name);
    if (!resolved.ok) {
      unsupported.push({ name: entry.name, reason: linkProblem(resolved.reason, entry.name) });
      continue;
    }
    const info = await stat(resolved.path).catch(() => null);
    if (info === null || !info.isFile()) continue;
    linked.push({ name: entry.name, sizeBytes: info.size, mtimeMs: info.mtimeMs, ino: info.ino });
  }
  // Sorted once per read (the folder changed, or every REREAD_MS), not once per listing.
  plain.sort(compareNatural);
  return { plain, linked, unsupported: unsupported.sort(byName) };
}

/** What an entry is when it is neither a file nor a link (which resolve() judges), else null. */
function unsupportedKind(entry: Dirent): string | null {
  if (entry.isFile() || entry.isSymbolicLink()) return null;
  if (entry.isDirectory()) return 'a folder';
  if (entry.isFIFO()) return 'a FIFO (named pipe)';
  if (entry.isSocket()) return 'a socket';
  if (entry.isBlockDevice() || entry.isCharacterDevice()) return 'a device';
  return 'not a regular file';
}

/** resolve()'s words for what a link inside the folder leads to, said of the link. */
const LINK_TARGETS: Record<string, string> = {
  'a folder, not a file': 'a link to a folder',
  'not a regular file': 'a link to something that is not a regular file',
};

/** resolve()'s refusal of a link, without the `name "x" refused:` a list row does not need. */
function linkProblem(reason: string, name: string): string {
  const prefix = `name ${JSON.stringify(name)} refused: it is `;
  const what = reason.startsWith(prefix) ? reason.slice(prefix.length) : reason;
  const linked = LINK_TARGETS[what] ?? what;
  return `${linked}: ${ONLY_PLAIN_FILES}`;
}

function byName(a: { name: string }, b: { name: string }): number {
  return compareNatural(a.name, b.name);
}

/**
 * Writes `bytes` to `path` atomically: a temp file beside it, flushed to the disk, then rename,
 * so a crash leaves the old content or the new, never half of one. `flush: false` for what is
 * checked when read and made again when damaged (a cache): the flush is most of the cost.
 */
export async function writeFileAtomically(
  path: string,
  bytes: Uint8Array | string,
  mode = 0o644,
  { flush = true }: { flush?: boolean } = {},
): Promise<void> {
  const tempPath = temporaryPathFor(path);
  try {
    await writeFile(tempPath, bytes, { mode, flag: 'wx', flush });
    await rename(tempPath, path);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
}

/**
 * `<path>.<pid>.<random>.tmp`, or where that name would be longer than a file system takes
 * (NAME_MAX: seeding a file with a 245-byte name failed on its metainfo cache's temp file with
 * ENAMETOOLONG) `~<pid>.<random>.tmp` beside it.
 */
function temporaryPathFor(path: string): string {
  const suffix = `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  if (Buffer.byteLength(basename(path), 'utf8') + 1 + suffix.length <= MAX_NAME_BYTES)
    return `${path}.${suffix}`;
  return join(dirname(path), `~${suffix}`);
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(error);
}

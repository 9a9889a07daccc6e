import { createHash } from 'node:crypto';
import { fstatSync, writeSync } from 'node:fs';
import {
  type FileHandle,
  link,
  lstat,
  mkdir,
  open,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isDiskFull } from '../../disk-full.ts';
import { IoMode, WRITES } from '../../io-mode.ts';
import { MAX_NAME_BYTES } from '../../protocol/messages.ts';
import { decodeMetainfo, infohashOf, type Metainfo, pieceLength } from '../../protocol/metainfo.ts';
import { PART_SUFFIX, truncateUtf8 } from '../../protocol/names.ts';
import { writeInPlace } from '../../write-in-place.ts';
import { Bitfield } from './bitfield.ts';

/** Where a download keeps its bytes and its resume record. */
export interface PartPaths {
  /** `<node folder>/<name>.part`: the file being filled, at its final size. */
  partPath: string;
  /** `<node folder>/.bt-tui/downloads/<name>.json`: the verified pieces (the resume record). */
  progressPath: string;
  /** `<node folder>/.bt-tui/downloads/<name>.metainfo`: the file's metainfo, written once. */
  metainfoPath: string;
  /** `<node folder>/<name>`: where the verified file lands. */
  finalPath: string;
}

export function partPaths(folderPath: string, stateDir: string, name: string): PartPaths {
  const recordName = recordNameOf(name);
  return {
    partPath: join(folderPath, partNameOf(name)),
    progressPath: join(stateDir, 'downloads', `${recordName}.json`),
    metainfoPath: join(stateDir, 'downloads', `${recordName}.metainfo`),
    finalPath: join(folderPath, name),
  };
}

/**
 * `<name>.part`, or for a name too long to take the suffix (NAME_MAX is 255 bytes, and so is a
 * name the swarm may hold), its start, `~`, 8 hex digits of its SHA-256 and `.part`: such a file
 * could be seeded but never downloaded (`cannot create …: the name is too long`, until
 * 2026-12-06, found by hand with a name of 127 `é`).
 */
export function partNameOf(name: string): string {
  if (Buffer.byteLength(name, 'utf8') + PART_SUFFIX.length <= MAX_NAME_BYTES)
    return `${name}${PART_SUFFIX}`;
  const tag = `~${createHash('sha256').update(name).digest('hex').slice(0, 8)}${PART_SUFFIX}`;
  return `${truncateUtf8(name, MAX_NAME_BYTES - tag.length)}${tag}`;
}

/** The longest suffix a record's files take (`<name>.metainfo.tmp`). */
const LONGEST_RECORD_SUFFIX_BYTES = '.metainfo.tmp'.length;

/**
 * What the record files of `name` are called: the name, or for a name too long to take their
 * suffixes (the file system's NAME_MAX), `~` and its SHA-256: the records of such a download
 * were never written, and it could not resume.
 */
function recordNameOf(name: string): string {
  if (Buffer.byteLength(name, 'utf8') + LONGEST_RECORD_SUFFIX_BYTES <= MAX_NAME_BYTES) return name;
  return `~${createHash('sha256').update(name).digest('hex')}`;
}

/**
 * The resume record. Version 1 held the metainfo too (base64), so every save rewrote it: 44 KB
 * twice a second for a 256 MiB file, 700 KB for 64 GiB. Version 2 holds the verified pieces and
 * the infohash; the metainfo is in its own file, written once a run and checked against that
 * infohash when read. Version 1 records are still read.
 */
type ProgressRecord =
  | { version: 1; infohash: string; metainfo: string; verified: string }
  | { version: 2; infohash: string; verified: string };

/**
 * Removes a download's resume record and its metainfo, and the temp file of a save a killed
 * node left half done (missing files are fine).
 */
export async function removeProgress(paths: PartPaths): Promise<void> {
  for (const path of [paths.progressPath, paths.metainfoPath]) {
    await rm(path, { force: true });
    await rm(temporaryOf(path), { force: true });
  }
}

/** A resumable download found on disk: its metainfo and the pieces it claims to have. */
export interface SavedProgress {
  metainfo: Metainfo;
  encodedMetainfo: Buffer;
  infohash: Buffer;
  claimed: Bitfield;
}

/**
 * The pieces of `next` whose bytes lie wholly within pieces `previous` verified: worth hashing
 * against `next` when the part file of one version of a file is taken over for another (a seeder
 * changed the file: most of it is often the same). The rest hold nothing known.
 */
export function piecesWithinVerified(
  previous: Metainfo,
  verified: Bitfield,
  next: Metainfo,
): Bitfield {
  const within = new Bitfield(next.pieceHashes.length / 32);
  for (let piece = 0; piece < within.size; piece++) {
    const start = piece * next.pieceSizeBytes;
    const end = start + pieceLength(next, piece);
    if (end > previous.sizeBytes) break;
    let all = true;
    const last = Math.floor((end - 1) / previous.pieceSizeBytes);
    for (let old = Math.floor(start / previous.pieceSizeBytes); old <= last && all; old++)
      all = verified.has(old);
    if (all) within.add(piece);
  }
  return within;
}

/** Reads a resume record; anything missing, unreadable or inconsistent is simply no record. */
export async function loadProgress(paths: PartPaths): Promise<SavedProgress | null> {
  try {
    const record = JSON.parse(await readFile(paths.progressPath, 'utf8')) as ProgressRecord;
    let encodedMetainfo: Buffer;
    if (record.version === 1 && typeof record.metainfo === 'string') {
      encodedMetainfo = Buffer.from(record.metainfo, 'base64');
    } else if (record.version === 2) {
      encodedMetainfo = await readFile(paths.metainfoPath);
    } else {
      return null;
    }
    const decoded = decodeMetainfo(encodedMetainfo);
    const infohash = infohashOf(encodedMetainfo);
    if (!decoded.ok || infohash.toString('hex') !== record.infohash) return null;
    const pieceCount = decoded.metainfo.pieceHashes.length / 32;
    const claimed = new Bitfield(pieceCount, Buffer.from(String(record.verified), 'base64'));
    return { metainfo: decoded.metainfo, encodedMetainfo, infohash, claimed };
  } catch {
    return null;
  }
}

/**
 * Pieces up to this size may be written at once (see io-mode.ts); larger ones (files over 2 GiB)
 * always go through the thread pool, where a write into fresh pages cannot hold the node.
 */
export const MAX_WRITE_AT_ONCE_BYTES = 1024 * 1024;

/**
 * Bytes written after which the part file is flushed in the background (fdatasync through the
 * thread pool), so that the sync a finished download waits for finds little left to write. With
 * the kernel's defaults nothing is written back before a tenth of memory is dirty: on the
 * project's VM (24 GiB) a 256 MiB download waited 0.18 s for its sync, a fifth of its time.
 */
export const FLUSH_AHEAD_BYTES = 32 * 1024 * 1024;

/**
 * The `<name>.part` file of one download. Verified pieces are written at their offset
 * (positional writes, no whole-file buffer); the verified set is saved beside it so a killed
 * peer resumes; only a complete, verified file is ever given its final name.
 */
export class PartFile {
  private readonly writeMode = new IoMode(WRITES);
  /** Set before the handle closes: its fd number may then name another file. */
  private closed = false;
  /** Found resized by another program (see damage): nothing more is written to it. */
  private resized = false;
  private unflushedBytes = 0;
  private flushing = false;
  /** The last resume-record save, and whether the record was discarded (discardProgress). */
  private lastProgressSave: Promise<void> = Promise.resolve();
  private progressDiscarded = false;
  /** The metainfo file was written by this part file (once a run, with its first save). */
  private metainfoSaved = false;

  private constructor(
    readonly paths: PartPaths,
    private readonly handle: FileHandle,
    private readonly metainfo: Metainfo,
    private readonly encodedMetainfo: Buffer,
    private readonly infohashHex: string,
  ) {}

  /**
   * Opens (or creates) the part file at the file's full size; existing bytes are kept. Throws
   * PartFileOpenError, which says why in a person's words, when the folder does not let it.
   * Where no resume record is there yet, one that claims nothing is written first: a part file
   * is this node's to write only while a record of it is there (see isPartWithoutRecord).
   */
  static async open(
    paths: PartPaths,
    metainfo: Metainfo,
    encodedMetainfo: Buffer,
  ): Promise<PartFile> {
    const infohashHex = infohashOf(encodedMetainfo).toString('hex');
    const recorded = await entryExists(paths.progressPath);
    if (!recorded) {
      const nothing = new Bitfield(metainfo.pieceHashes.length / 32);
      await writeRecord(paths, encodedMetainfo, infohashHex, nothing).catch((error: unknown) => {
        throw new PartFileOpenError(paths.partPath, error, paths.progressPath);
      });
    }
    const handle = await open(paths.partPath, 'a+')
      .then(async (appendHandle) => {
        // 'a+' creates without truncating; reopen read-write for positional writes.
        await appendHandle.close();
        return open(paths.partPath, 'r+');
      })
      .catch((error: unknown) => {
        throw new PartFileOpenError(paths.partPath, error);
      });
    const { size } = await handle.stat();
    if (size !== metainfo.sizeBytes) await handle.truncate(metainfo.sizeBytes);
    const part = new PartFile(paths, handle, metainfo, encodedMetainfo, infohashHex);
    part.metainfoSaved = !recorded;
    return part;
  }

  /** Writes a verified piece at its offset: at once while writes are fast, else through the pool. */
  async writePiece(piece: number, buffer: Buffer, lengthBytes: number): Promise<void> {
    if (this.closed) throw new Error('the part file is closed');
    const offset = piece * this.metainfo.pieceSizeBytes;
    // Cut short by another program (see damage): the last piece would fill the file out to its
    // size again, over pieces now zeros, and no later look could tell. So its size is looked at
    // before that piece: one fstat a download (3.5 µs here; one a piece was ~1 % of a leecher's
    // CPU floor). Other pieces leave it short, for damage() and finalize() to see.
    const last = offset + lengthBytes === this.metainfo.sizeBytes;
    if (this.resized || (last && fstatSync(this.handle.fd).size !== this.metainfo.sizeBytes)) {
      this.resized = true;
      return;
    }
    let written = 0;
    const startMs = performance.now();
    if (lengthBytes <= MAX_WRITE_AT_ONCE_BYTES && this.writeMode.atOnce(startMs)) {
      const fd = this.handle.fd;
      while (written < lengthBytes) {
        written += writeSync(fd, buffer, written, lengthBytes - written, offset + written);
      }
      this.writeMode.noteCallAtOnce(startMs, performance.now());
    } else {
      while (written < lengthBytes) {
        const { bytesWritten } = await this.handle.write(
          buffer,
          written,
          lengthBytes - written,
          offset + written,
        );
        written += bytesWritten;
      }
    }
    this.unflushedBytes += lengthBytes;
    if (this.unflushedBytes >= FLUSH_AHEAD_BYTES && !this.flushing) this.flushAhead();
  }

  /** Starts writing back what is dirty; a failure here shows again in finalize()'s sync. */
  private flushAhead(): void {
    this.unflushedBytes = 0;
    this.flushing = true;
    // The handle's close waits for this (FileHandle counts its operations in flight).
    this.handle
      .datasync()
      .catch(() => {})
      .finally(() => {
        this.flushing = false;
      });
  }

  /**
   * Re-hashes the pieces a resume record claims, so nothing unverified is trusted even after a
   * crash in the middle of a write. Returns the pieces that really are good.
   */
  async verifyClaimed(
    claimed: Bitfield,
    onProgress?: (checked: number) => void,
    stopWhen?: () => boolean,
  ): Promise<Bitfield> {
    const good = new Bitfield(claimed.size);
    const buffer = Buffer.allocUnsafe(this.metainfo.pieceSizeBytes);
    let checked = 0;
    for (let piece = 0; piece < claimed.size; piece++) {
      if (!claimed.has(piece)) continue;
      // A whole part file can take minutes to check: a stopped download stops reading it.
      if (stopWhen?.()) break;
      const length = pieceLength(this.metainfo, piece);
      const { bytesRead } = await this.handle.read(
        buffer,
        0,
        length,
        piece * this.metainfo.pieceSizeBytes,
      );
      const expected = this.metainfo.pieceHashes.subarray(piece * 32, piece * 32 + 32);
      const actual = createHash('sha256').update(buffer.subarray(0, bytesRead)).digest();
      if (bytesRead === length && actual.equals(expected)) good.add(piece);
      onProgress?.(++checked);
    }
    return good;
  }

  /**
   * Saves the verified set atomically (temp file + rename): the old record or the new, never
   * half. One save at a time, each after the one before: two at once wrote the one temporary
   * file together, and the older could be renamed into place last (a node stopped at `12/256
   * pieces verified` resumed at 11, found by a session).
   */
  async saveProgress(verified: Bitfield): Promise<void> {
    if (this.progressDiscarded) return;
    const saving = this.lastProgressSave.then(() =>
      this.progressDiscarded ? undefined : this.writeProgress(verified),
    );
    this.lastProgressSave = saving.catch(() => {});
    return saving;
  }

  private async writeProgress(verified: Bitfield, retried = false): Promise<void> {
    const metainfo = this.metainfoSaved ? null : this.encodedMetainfo;
    try {
      await writeRecord(this.paths, metainfo, this.infohashHex, verified);
      this.metainfoSaved = true;
    } catch (error) {
      if (isDiskFull(error)) {
        // A full disk has no block for a new copy; the record, the same length at every save,
        // is written over in place instead. Until 2026-12-07 no save succeeded once the disk was
        // full: a node stopped 1 piece short resumed at 0 of 256 (found by a session). A crash
        // mid-write leaves a record that does not parse (every piece of the part file is then
        // checked again) or old bits mixed with new: the verified set only grows, so such a mix
        // claims no piece the new record does not.
        await writeInPlace(this.paths.progressPath, progressText(this.infohashHex, verified));
        return;
      }
      // The state folder was removed under a running download: make it, and the metainfo, again.
      if (retried || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.metainfoSaved = false;
      await this.writeProgress(verified, true);
    }
  }

  /** Bytes of disk the part file holds: what is written of it (it is sparse until then). */
  async allocatedBytes(): Promise<number> {
    if (this.closed) return 0;
    return (await this.handle.stat()).blocks * 512;
  }

  /**
   * What another program did to the part file, or null: `deleted` once it has no name left
   * (what is written after that reaches a file nobody can open), `resized` once it is no longer
   * the file's size (cut short: `truncate -s 0` left 43 of 128 verified pieces zeros, and the
   * download ended `done` with them, found by a session). One fstat of the open handle, no path
   * to race with. Bytes changed in place are not seen: verified pieces are not read again.
   */
  async damage(): Promise<'deleted' | 'resized' | null> {
    if (this.closed) return this.resized ? 'resized' : null;
    const { nlink, size, ino } = await this.handle.stat();
    if (nlink === 0) return 'deleted';
    // Moved out of the folder (its name there now another file's, or none): as good as deleted.
    // It was found only at the end, the whole file fetched first (found by a session).
    const named = await stat(this.paths.partPath).catch(() => null);
    if (named?.ino !== ino) return 'deleted';
    if (size !== this.metainfo.sizeBytes) this.resized = true;
    return this.resized ? 'resized' : null;
  }

  /** Removes the resume record for good (a save still being written first): its part is gone. */
  async discardProgress(): Promise<void> {
    this.progressDiscarded = true;
    await this.lastProgressSave;
    await removeProgress(this.paths);
  }

  /** Why a download of a part file deleted from the folder stops (see damage). */
  get deletedReason(): string {
    return `${basename(this.paths.partPath)} was deleted or moved out of the folder before the download finished; download it again to start over`;
  }

  /** Why a download of a part file another program resized stops (see damage). */
  get resizedReason(): string {
    return `${basename(this.paths.partPath)} was resized by another program while it downloaded (it must stay ${this.metainfo.sizeBytes} B): the pieces verified so far are checked again when it starts again`;
  }

  /**
   * Gives the complete file its final name without ever replacing an existing file: link()
   * fails with EEXIST where rename() would silently overwrite.
   */
  async finalize(): Promise<{ ok: true } | { ok: false; reason: string }> {
    await this.handle.sync();
    // Cut short since the last look (see damage): never named as the file.
    if ((await this.damage()) === 'resized') return { ok: false, reason: this.resizedReason };
    this.closed = true;
    await this.handle.close();
    try {
      await link(this.paths.partPath, this.paths.finalPath);
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      if (code === 'EEXIST')
        return { ok: false, reason: `${this.paths.finalPath} already exists; not overwriting it` };
      if (code === 'ENOENT') {
        // Deleted from the folder while it downloaded (found by hand: the node crashed here).
        // Its bytes were written to a file nobody can name any more: nothing to keep.
        await this.discardProgress();
        return { ok: false, reason: this.deletedReason };
      }
      return { ok: false, reason: `cannot save ${this.paths.finalPath}: ${message}` };
    }
    await unlink(this.paths.partPath);
    await removeProgress(this.paths);
    return { ok: true };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.handle.close().catch(() => {});
  }
}

/**
 * Writes the resume record of `verified`, and first the metainfo file beside it when given (once
 * a run: it never changes).
 */
async function writeRecord(
  paths: PartPaths,
  encodedMetainfo: Buffer | null,
  infohashHex: string,
  verified: Bitfield,
): Promise<void> {
  if (encodedMetainfo !== null) {
    await makeRecordFolders(paths.progressPath);
    await replaceFile(paths.metainfoPath, encodedMetainfo);
  }
  await replaceFile(paths.progressPath, progressText(infohashHex, verified));
}

/** The resume record's text: the same length at every save of one file (see writeProgress). */
function progressText(infohashHex: string, verified: Bitfield): string {
  const record: ProgressRecord = {
    version: 2,
    infohash: infohashHex,
    verified: Buffer.from(verified.bytes).toString('base64'),
  };
  return JSON.stringify(record);
}

/**
 * `.bt-tui/downloads/` and `.bt-tui/`, where missing (removed under a running node), but never the
 * node folder: one deleted or unmounted under a download is not made again (empty, on whatever
 * disk holds its parent) for a record no part file can follow.
 */
async function makeRecordFolders(progressPath: string): Promise<void> {
  const downloads = dirname(progressPath);
  for (const folder of [dirname(downloads), downloads]) {
    await mkdir(folder).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    });
  }
}

/**
 * True when `<name>.part` is in the folder but no resume record is: a file this node did not
 * make (a person's, another program's: browsers name their partial downloads so too), or one
 * whose record was deleted. Never written to: until 2026-12-07 a download of `a.bin` took any
 * `a.bin.part` as its own, checked it piece by piece, wrote over it and renamed it (found by a
 * session acting as a stranger). Since then every part file has its record before its first byte.
 */
export async function isPartWithoutRecord(paths: PartPaths): Promise<boolean> {
  return (await entryExists(paths.partPath)) && !(await entryExists(paths.progressPath));
}

/** Why a download does not start on a part file without its record (isPartWithoutRecord). */
export function partWithoutRecordReason(paths: PartPaths, name: string): string {
  const part = basename(paths.partPath);
  return `${part} is already in the folder and no resume record says this node made it: left as it is; move or delete it to download ${name}`;
}

/** Anything under `path`, a dangling link or a folder included. */
async function entryExists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

function temporaryOf(path: string): string {
  return `${path}.tmp`;
}

/** Replaces `path` whole: a temp file beside it, then rename (the old content or the new). */
async function replaceFile(path: string, content: Buffer | string): Promise<void> {
  const temporary = temporaryOf(path);
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    // On a full disk the write fails with the temporary made (empty or cut short): not left
    // behind in the state folder for good (found by hand, a 0-byte `<name>.metainfo.tmp`).
    await rm(temporary, { force: true }).catch(() => {});
    throw error;
  }
}

/** A part file that could not be made: the reason as a download's failure says it. */
export class PartFileOpenError extends Error {
  /** The failure's code (`ENOSPC`, ...), where it has one. */
  readonly code: string | undefined;

  /** `recordPath`: its resume record, written first (see PartFile.open), could not be made. */
  constructor(partPath: string, error: unknown, recordPath?: string) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    const nodeFolder = dirname(partPath);
    // A missing folder on the record's path is the node folder's (see makeRecordFolders).
    const gone = code === 'ENOENT' || code === 'ENOTDIR';
    const cannot =
      recordPath === undefined || gone
        ? `cannot create ${basename(partPath)}`
        : `cannot create ${basename(partPath)}: its resume record ${recordPath} cannot be written`;
    const folder = gone ? nodeFolder : dirname(recordPath ?? partPath);
    const why: Record<string, string> = {
      ENOENT: `its folder ${folder} is gone (deleted, moved or unmounted)`,
      ENOTDIR: `its folder ${folder} is gone (deleted, moved or unmounted)`,
      EACCES: `${folder} does not let this user write there`,
      EPERM: `${folder} does not let this user write there`,
      EROFS: `${folder} is on a read-only file system`,
      ENOSPC: 'the disk is full',
      ENAMETOOLONG: 'the name is too long for this file system',
    };
    super(`${cannot}: ${(code && why[code]) ?? (error as Error).message}`);
    this.code = code;
  }
}

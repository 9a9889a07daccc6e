/**
 * The files a seeder serves, each with the file handle it was opened with once. Reads only ever
 * go to these handles, so nothing outside the seeded files can be read, and replacing a path by a
 * link after it was added cannot redirect a read.
 */

import { fstatSync } from 'node:fs';
import { constants, type FileHandle, open } from 'node:fs/promises';
import { formatSize } from '../format.ts';
import type { Logger } from '../log/logger.ts';
import type { Metainfo } from '../protocol/metainfo.ts';
import type { BlockChecksums } from './block-checksums.ts';
import type { Bitfield } from './download/bitfield.ts';
import type { FirstCopies } from './first-copies.ts';
import type { Requester } from './requester-ledger.ts';

/** A file ready to serve: where it is, and the metainfo it was hashed into. */
export interface SeededFile {
  name: string;
  path: string;
  sizeBytes: number;
  metainfo: Metainfo;
  encoded: Buffer;
  infohash: Buffer;
}

/** What the seeder served from one file. */
export interface SeededFileStats {
  name: string;
  infohashHex: string;
  bytesServed: number;
  blocksServed: number;
}

/** One served file; the seeder bumps the counters directly. */
export interface SeedEntry {
  readonly file: SeededFile;
  readonly infohashHex: string;
  /** Opened once by add(): every read of this file goes here. */
  readonly handle: FileHandle;
  /**
   * The pieces that may be served (verified and written) while the file is still being
   * downloaded, read live from the download; null once the file is complete.
   */
  have: Bitfield | null;
  /** Peers already named in a "serving" log line. */
  readonly servedTo: Set<string>;
  bytesServed: number;
  blocksServed: number;
  /** Set when the file stops being served; a read in progress then sends nothing. */
  removed: boolean;
  /**
   * The whole file's size and modification time when it was opened for serving, or at its first
   * read whole once a download completed it; null before (see changedOnDisk).
   */
  stamp: { sizeBytes: number; mtimeMs: number } | null;
  /** Changed on disk since it was opened: nothing more is sent from it. */
  changed: boolean;
  readFailureLogged: boolean;
  /** CRC-32s of the blocks sent so far, made at the first request (see BlockChecksums). */
  checksums: BlockChecksums | null;
  /** Who got which piece of the complete file this round, made at the first request. */
  firstCopies: FirstCopies<Requester> | null;
  /** When the log last said every piece went out once (see Seeder.mayHaveFirstCopy). */
  roundSaidAtMs?: number;
}

/** "serving X to Y" is logged once per peer and file; past this many peers per file, start over. */
const MAX_REMEMBERED_PEERS_PER_FILE = 4096;

/** The seeded files by infohash (hex), with their open handles. */
export class SeededFiles {
  private readonly entries = new Map<string, SeedEntry>();
  private closed = false;

  constructor(private readonly logger: Logger) {}

  /**
   * Opens the file once and keeps the handle. Throws if it cannot be opened, or if it is no longer
   * the regular file of the hashed size. `have` serves a part file being downloaded: only the
   * pieces it holds. Adding a complete file already served partially makes it complete (the
   * handle stays valid: the part file was linked to its final name, the same inode); adding an
   * infohash already served otherwise does nothing.
   */
  async add(file: SeededFile, have: Bitfield | null = null): Promise<void> {
    const infohashHex = file.infohash.toString('hex');
    const known = this.entries.get(infohashHex);
    if (known !== undefined && known.have !== null && have === null) {
      known.have = null;
      this.logger.log(`seeding ${file.name} (complete now)`);
    }
    if (this.closed || known !== undefined) return;
    // O_NOFOLLOW: the path was resolved to a real file; a link put there since is not followed.
    const handle = await open(file.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    let stat: Awaited<ReturnType<FileHandle['stat']>>;
    try {
      stat = await handle.stat();
      if (!stat.isFile() || stat.size !== file.sizeBytes || stat.size !== file.metainfo.sizeBytes) {
        throw new Error(`${file.name} changed since it was hashed`);
      }
    } catch (error) {
      await handle.close();
      throw error;
    }
    if (this.closed || this.entries.has(infohashHex)) {
      await handle.close();
      return;
    }
    this.entries.set(infohashHex, {
      file,
      infohashHex,
      handle,
      have,
      servedTo: new Set(),
      bytesServed: 0,
      blocksServed: 0,
      removed: false,
      stamp: have === null ? { sizeBytes: stat.size, mtimeMs: stat.mtimeMs } : null,
      changed: false,
      readFailureLogged: false,
      checksums: null,
      firstCopies: null,
    });
    const what = have === null ? 'seeding' : 'serving the verified pieces of';
    this.logger.log(
      `${what} ${file.name} (${formatSize(file.sizeBytes)}, ${infohashHex.slice(0, 8)})`,
    );
  }

  /** Stops serving a file and closes its handle (node waits for a read in progress). */
  async remove(infohashHex: string): Promise<void> {
    const entry = this.entries.get(infohashHex);
    if (!entry) return;
    this.entries.delete(infohashHex);
    entry.removed = true;
    // A download's pieces were never seeded: `stopped seeding` of a file My files never showed
    // as seeded read as a mistake (found by a session).
    const what = entry.have === null ? 'stopped seeding' : 'stopped serving the verified pieces of';
    this.logger.log(`${what} ${entry.file.name}`);
    await entry.handle.close();
  }

  /** The served file with this infohash (hex), if any. */
  get(infohashHex: string): SeedEntry | undefined {
    return this.entries.get(infohashHex);
  }

  /** Every served file (complete and partial). */
  all(): IterableIterator<SeedEntry> {
    return this.entries.values();
  }

  /** Per-file counters, for stats. */
  stats(): SeededFileStats[] {
    const rows: SeededFileStats[] = [];
    for (const { file, infohashHex, bytesServed, blocksServed } of this.entries.values()) {
      rows.push({ name: file.name, infohashHex, bytesServed, blocksServed });
    }
    return rows;
  }

  /** Closes every handle; nothing can be added afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) entry.removed = true;
    await Promise.all(entries.map((entry) => entry.handle.close()));
  }

  /** Logs "serving <name> to <peer>" the first time that peer is served this file. */
  noteServing(entry: SeedEntry, peer: string): void {
    if (entry.servedTo.has(peer)) return;
    if (entry.servedTo.size >= MAX_REMEMBERED_PEERS_PER_FILE) entry.servedTo.clear();
    entry.servedTo.add(peer);
    this.logger.log(`serving ${entry.file.name} to ${peer}`);
  }

  /**
   * Whether the whole file changed on disk since it was opened, by the size and modification time
   * of its open handle: one fstat, which reads no disk, after each read of it. Called after the
   * read, so that what the read saw of a rewrite had already moved the time (Linux stamps a write
   * before it copies its data). Why: the folder listing notices a change within a second, and
   * what was read meanwhile went out as the hashed file; a rebuild rewritten in place while a
   * download ran failed verification there three times in that second, and the downloader
   * banned this node as a liar (found by hand). A file served partially (a download writes it)
   * is not checked.
   */
  changedOnDisk(entry: SeedEntry): boolean {
    if (entry.changed) return true;
    if (entry.have !== null || entry.removed) return false;
    let sizeBytes: number;
    let mtimeMs: number;
    try {
      ({ size: sizeBytes, mtimeMs } = fstatSync(entry.handle.fd));
    } catch {
      return false; // Closed under us: removed, which every caller checks.
    }
    if (entry.stamp === null) {
      entry.stamp = { sizeBytes, mtimeMs };
      return false;
    }
    if (sizeBytes === entry.stamp.sizeBytes && mtimeMs === entry.stamp.mtimeMs) return false;
    entry.changed = true;
    return true;
  }

  /** Logs, once per file, why it could not be served. */
  noteReadFailure(entry: SeedEntry, why: string): void {
    if (entry.readFailureLogged) return;
    entry.readFailureLogged = true;
    this.logger.log(`cannot serve ${entry.file.name}: ${why}`);
  }
}

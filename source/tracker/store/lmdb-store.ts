/**
 * The embedded store: tracker_db/tracker.mdb, an LMDB environment with one table of nodes (by
 * id), one of files (by infohash), one of metadata (the swarm secret) and the credit ledger (the
 * newest accepted UPDATEs, by sequence number). Each batch of changes is one LMDB transaction
 * holding only the records it touched and the UPDATEs it accepted, so a crash loses at most the
 * batch not yet committed and never leaves a torn database (LMDB's copy-on-write pages), and
 * an UPDATE is on disk exactly when the credits it granted are: one resent after a crash
 * credits nothing twice.
 */
import { randomBytes } from 'node:crypto';
import {
  type FileHandle,
  open as openFile,
  rename,
  rm,
  stat as statFile,
  statfs,
} from 'node:fs/promises';
import { join } from 'node:path';
import { type Database, open, type RootDatabase } from 'lmdb';
import type { Clock } from '../../clock.ts';
import { defaults } from '../../config.ts';
import { type FolderLock, lockFolder } from '../../folder-lock.ts';
import { formatSize } from '../../format.ts';
import { makeFolder } from '../../make-folder.ts';
import { DEFAULT_CREDIT_MEMORY_ENTRIES } from '../credit-ledger.ts';
import {
  isCreditOp,
  isFile,
  isNode,
  type PersistedFile,
  type PersistedNode,
  type PersistedTracker,
} from '../persisted.ts';
import { BatchWriter } from './batch-writer.ts';
import { jsonDbExists, loadJsonDb, markJsonDbMigrated } from './json-files.ts';
import { type CreditOp, collectTouched, type OpBatch, type TouchedKeys } from './ops.ts';
import {
  type RecordReader,
  type StoreLoad,
  TRACKER_SECRET_BYTES,
  type TrackerStore,
} from './tracker-store.ts';

/** The LMDB file inside the database folder (LMDB adds `tracker.mdb-lock` beside it). */
export const LMDB_FILE = 'tracker.mdb';
const SECRET_KEY = 'secret';

/** The tables of an open environment. */
export interface LmdbTables {
  root: RootDatabase;
  nodes: Database<unknown, number>;
  files: Database<unknown, string>;
  meta: Database<unknown, string>;
  /**
   * Accepted UPDATEs (credit ops) by sequence number, oldest first; trimmed to the newest. Null
   * only when opened read-only on a database written before the ledger (`tracker export`).
   */
  ledger: Database<unknown, number> | null;
}

/**
 * Address space for the database file, reserved once (virtual: the file grows as it needs).
 * Without it lmdb-js maps a growing file in chunks, and a 100,000-node tracker had ~127 MiB of
 * a 65 MiB file resident (chunks overlap).
 */
const LMDB_MAP_BYTES = 4 * 1024 ** 3;

/**
 * Where each record table keeps the shapes of its records (msgpackr's shared structures): a
 * record then holds its values without its field names. A 100,000-node tracker's file went
 * from 63-65 to 46-48 MiB (bench/tracker-scale.ts) and its resident mapping of it ~10 MiB down.
 * Records written before are plain msgpack maps and still read; getRange skips this key.
 * A bt-tui from before this cannot read records written with it (it sets the file aside).
 */
const STRUCTURES_KEY = Symbol.for('structures');

let lmdbConsoleQuieted = false;

/**
 * lmdb-js prints a failed commit's error with console.error, stack and all, besides rejecting
 * the write: the tracker already says it in a line of its own (`cannot write …: No space left on
 * device`), and the stack garbled the full-screen view. Only errors raised in lmdb-js's own code
 * are left out. (Its native code's one line, `Write error: …`, goes to stderr past JavaScript.)
 */
function quietLmdbConsole(): void {
  if (lmdbConsoleQuieted) return;
  lmdbConsoleQuieted = true;
  const original = console.error;
  console.error = (...args: unknown[]) => {
    const [first] = args;
    if (args.length === 1 && first instanceof Error && /[\\/]lmdb[\\/]/.test(first.stack ?? ''))
      return;
    original.apply(console, args);
  };
}

/**
 * A failed commit's error, after ending the line lmdb-js's native code wrote on stderr about it
 * (`Write error: No space left on device position 36864, size 77824`, with no line end): the
 * next line there, ours or the shell's, began on it (found by hand on a full tmpfs). Only where
 * stdout is no terminal, so surely no full-screen view: a line end there would scroll its frame.
 */
function endLmdbLine(error: unknown): never {
  if (!process.stdout.isTTY) process.stderr.write('\n');
  throw error;
}

/** Opens (creating unless read-only) the environment in `dbDir`; throws what LMDB throws. */
export function openLmdbTables(dbDir: string, readOnly = false): LmdbTables {
  quietLmdbConsole();
  const root = open({
    path: join(dbDir, LMDB_FILE),
    maxDbs: 4,
    readOnly,
    mapSize: LMDB_MAP_BYTES,
    // Every write here is in a transaction of its own batch (BatchWriter). With lmdb-js's
    // batching of an event turn's writes on, a failed commit (a full disk) also rejected a
    // promise of its own that nobody can hold, and that unhandled rejection killed the tracker
    // with a stack trace (found by hand on a 2 MiB tmpfs).
    eventTurnBatching: false,
  });
  const records = { sharedStructuresKey: STRUCTURES_KEY };
  return {
    root,
    nodes: root.openDB<unknown, number>({ name: 'nodes', ...records }),
    files: root.openDB<unknown, string>({ name: 'files', ...records }),
    meta: root.openDB<unknown, string>({ name: 'meta' }),
    // Shared structures here too: 100,000 entries take 14.5 MiB instead of 23.5.
    ledger: root.openDB<unknown, number>({ name: 'ledger', ...records }) ?? null,
  };
}

/** Every well-formed record and ledger entry of the tables, and how many were not. */
export function readLmdbRecords(tables: LmdbTables): {
  persisted: PersistedTracker;
  credited: CreditOp[];
  /** The sequence number the next ledger entry takes, and the oldest one held. */
  ledgerKeys: { first: number; next: number };
  malformed: number;
} {
  let malformed = 0;
  const nodes: PersistedNode[] = [];
  const files: PersistedFile[] = [];
  const credited: CreditOp[] = [];
  for (const { value } of tables.nodes.getRange()) {
    if (isNode(value)) nodes.push(value);
    else malformed++;
  }
  for (const { value } of tables.files.getRange()) {
    if (isFile(value)) files.push(value);
    else malformed++;
  }
  let first: number | null = null;
  let next = 0;
  for (const { key, value } of tables.ledger?.getRange() ?? []) {
    if (typeof key !== 'number' || !Number.isSafeInteger(key) || key < 0) continue;
    first ??= key;
    next = key + 1;
    if (isCreditOp(value)) credited.push(value);
    else malformed++;
  }
  return {
    persisted: { nodes, files },
    credited,
    ledgerKeys: { first: first ?? next, next },
    malformed,
  };
}

/** In dbDir while a tracker has it open: one tracker per embedded store (see folder-lock.ts). */
const LOCK_FILE = 'tracker.lock';

/** Options of the embedded store. */
export interface LmdbStoreOptions {
  dbDir: string;
  clock: Clock;
  batchDelayMs?: number;
  onProblem?: (text: string) => void;
  /** UPDATEs the ledger table keeps (the tracker's credit memory; tests use fewer). */
  ledgerEntries?: number;
}

/** The default store: nothing to set up, one tracker. */
export class LmdbStore implements TrackerStore {
  readonly shared = false;
  readonly location: string;
  private tables: LmdbTables | null = null;
  private pending: TouchedKeys = { nodes: new Set(), files: new Set() };
  private pendingCredits: CreditOp[] = [];
  private ledgerKeys = { first: 0, next: 0 };
  private reader: RecordReader | null = null;
  private readonly writer: BatchWriter;
  /** This process's hold on dbDir (folder-lock.ts), from load() to close(). */
  private lock: FolderLock | null = null;

  constructor(private readonly options: LmdbStoreOptions) {
    this.location = options.dbDir;
    this.writer = new BatchWriter({
      clock: options.clock,
      delayMs: options.batchDelayMs ?? defaults.trackerDbFlushDelayMs,
      write: () => this.writePending().catch(endLmdbLine),
      hasPending: () => this.hasPending(),
      onProblem: options.onProblem,
      location: options.dbDir,
    });
  }

  get writes(): number {
    return this.writer.writes;
  }

  /**
   * Opens tracker_db/ (an unreadable LMDB file is moved aside, as nodes.json was), migrates
   * nodes.json/files.json on first start, and reads every record.
   */
  async load(wallNowMs: number): Promise<StoreLoad> {
    const { dbDir } = this.options;
    await makeFolder(dbDir);
    await checkRoomToStart(dbDir);
    // Before anything is read or written: loading sets aside an unreadable file and migrates.
    const locked = await lockFolder(dbDir, LOCK_FILE);
    if (!locked.ok) {
      throw new Error(
        `it is in use by another bt-tui tracker (pid ${locked.pid}): give each tracker a --db of its own, or let trackers share one swarm with --store redis://HOST:PORT`,
      );
    }
    this.lock = locked.lock;
    const notes: string[] = [];
    const tables = await openOrSetAside(dbDir, wallNowMs, notes);
    this.tables = tables;
    if (await jsonDbExists(dbDir)) await migrateJson(tables, dbDir, wallNowMs, notes);
    const { persisted, credited, ledgerKeys, malformed } = readLmdbRecords(tables);
    this.ledgerKeys = ledgerKeys;
    if (malformed > 0) notes.push(`${malformed} malformed records in ${dbDir} left out`);
    let secret = tables.meta.get(SECRET_KEY);
    if (!Buffer.isBuffer(secret) || secret.length !== TRACKER_SECRET_BYTES) {
      secret = randomBytes(TRACKER_SECRET_BYTES);
      await committed(tables.meta.put(SECRET_KEY, secret));
    }
    return { persisted, ops: [], credited, trackerSecret: secret as Buffer, notes };
  }

  record(batch: OpBatch, reader: RecordReader): void {
    this.reader = reader;
    collectTouched(batch.ops, this.pending);
    for (const op of batch.ops) if (op.op === 'credit') this.pendingCredits.push(op);
    // While writes fail: the oldest would be trimmed from the table anyway.
    const excess = this.pendingCredits.length - this.maxLedgerEntries;
    if (excess > 0) this.pendingCredits.splice(0, excess);
    if (this.hasPending()) this.writer.schedule();
  }

  onRemote(): void {
    // One tracker per embedded store: nothing ever arrives from elsewhere.
  }

  afterPendingWritten(): Promise<void> {
    return this.writer.afterPendingWritten();
  }

  flush(): Promise<boolean> {
    return this.writer.flush();
  }

  async close(): Promise<void> {
    if (this.tables) {
      const written = await this.flush();
      // lmdb-js's close waits for its write queue, which a failed commit (a full disk) leaves
      // stuck for good: awaited, the tracker never stopped (it exited 13, the top-level await
      // unsettled, without a word; found by hand on a full tmpfs). What LMDB holds is its last
      // commit either way.
      if (written) await this.tables.root.close();
      else void this.tables.root.close().catch(() => {});
      this.tables = null;
    }
    await this.lock?.release();
    this.lock = null;
  }

  private get maxLedgerEntries(): number {
    return this.options.ledgerEntries ?? DEFAULT_CREDIT_MEMORY_ENTRIES;
  }

  private hasPending(): boolean {
    return (
      this.pending.nodes.size > 0 || this.pending.files.size > 0 || this.pendingCredits.length > 0
    );
  }

  /**
   * One transaction with the newest form of every touched record and the UPDATEs accepted
   * since the last. Both are taken in this turn, after the same requests: the records hold
   * exactly the credits of the ledger entries written with them.
   */
  private async writePending(): Promise<void> {
    const { tables, reader } = this;
    if (!tables || !reader) return;
    const touched = this.pending;
    const credits = this.pendingCredits;
    this.pending = { nodes: new Set(), files: new Set() };
    this.pendingCredits = [];
    const nodes = [...touched.nodes].map((id) => [id, reader.persistedNode(id)] as const);
    const files = [...touched.files].map((hex) => [hex, reader.persistedFile(hex)] as const);
    const { first, next } = this.ledgerKeys;
    const newNext = next + credits.length;
    const newFirst = Math.max(first, newNext - this.maxLedgerEntries);
    try {
      await committed(
        tables.root.transaction(() => {
          for (const [id, node] of nodes) {
            if (node) tables.nodes.put(id, node);
            else tables.nodes.remove(id);
          }
          for (const [hex, file] of files) {
            if (file) tables.files.put(hex, file);
            else tables.files.remove(hex);
          }
          const { ledger } = tables;
          if (!ledger) throw new Error('the ledger table is missing');
          credits.forEach((op, i) => {
            if (next + i >= newFirst) ledger.put(next + i, op);
          });
          for (let key = first; key < Math.min(newFirst, next); key++) ledger.remove(key);
        }),
      );
      this.ledgerKeys = { first: newFirst, next: newNext };
    } catch (error) {
      forgetUnwrittenStructures(tables);
      for (const id of touched.nodes) this.pending.nodes.add(id);
      for (const hex of touched.files) this.pending.files.add(hex);
      this.pendingCredits = credits.concat(this.pendingCredits);
      throw error;
    }
  }
}

/**
 * A write of lmdb-js, its failure in the words of the cause. A failed commit rejects with
 * `Commit failed (see commitError for details)` and carries the cause as a rejected promise
 * (`commitError`); nobody awaited it, and that unhandled rejection killed the tracker with a
 * stack trace when its disk was full (found by hand on a 2 MiB tmpfs).
 */
async function committed<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    const commitError = (error as { commitError?: unknown }).commitError;
    if (!(commitError instanceof Promise)) throw error;
    const cause: unknown = await commitError.then(
      () => error,
      (reason: unknown) => reason,
    );
    throw new Error(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * A failed commit leaves lmdb-js's record structures (sharedStructuresKey) as if it had been
 * written: the next records referred to structures the file never got, and after a full disk
 * it read back as `Data read, but end of buffer not reached` and was set aside at the next start
 * (found by hand). Cleared, they are read again from the file at the next write. `encoder` is
 * lmdb-js's msgpackr instance (what its clearSync() clears the same way).
 */
function forgetUnwrittenStructures(tables: LmdbTables): void {
  for (const table of [tables.nodes, tables.files, tables.ledger]) {
    (table as { encoder?: { clearSharedData?: () => void } } | null)?.encoder?.clearSharedData?.();
  }
}

/**
 * LMDB's meta pages, the file's first two (lmdb-js's page header is 24 bytes): magic 0xBEEFC0DE
 * and data version 2, the page size (the free table's pad), the last page in use and the
 * transaction id; LMDB reads the one with the higher id.
 */
const META_MAGIC_OFFSET = 24;
const META_MAGIC = 0xbeefc0de;
const META_VERSION = 2;
const META_PAGE_SIZE_OFFSET = 48;
const META_LAST_PAGE_OFFSET = 144;
const META_TXNID_OFFSET = 152;
const META_BYTES = META_TXNID_OFFSET + 8;

/**
 * Why `path` is not an LMDB file, or null (also when it does not exist yet). LMDB maps the file
 * and trusts it: foreign bytes crash the process instead of failing the open, so the meta page
 * is checked first. A crash of the tracker never produces such a file (LMDB writes copy on
 * write and commits by switching meta pages); a person or another program can.
 */
export async function notLmdbReason(path: string): Promise<string | null> {
  let first: Buffer;
  let second: Buffer;
  let sizeBytes: number;
  try {
    const handle = await openFile(path, 'r');
    try {
      sizeBytes = (await handle.stat()).size;
      first = await readAt(handle, 0);
      const pageSize = first.length === META_BYTES ? first.readUInt32LE(META_PAGE_SIZE_OFFSET) : 0;
      second = pageSize > 0 ? await readAt(handle, pageSize) : Buffer.alloc(0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return (error as Error).message;
  }
  if (first.length < META_MAGIC_OFFSET + 8) return 'too short for an LMDB file';
  if (first.readUInt32LE(META_MAGIC_OFFSET) !== META_MAGIC) return 'no LMDB meta page';
  const version = first.readUInt32LE(META_MAGIC_OFFSET + 4);
  if (version !== META_VERSION) return `LMDB data version ${version}, not ${META_VERSION}`;
  // A file cut short (copied in part, truncated): LMDB maps it and reads its pages past the end,
  // which kills the process (SIGBUS, or SIGSEGV) with no word: every start of the tracker and
  // `tracker export` died so until 2026-12-07 (found by a session).
  if (first.length < META_BYTES || second.length < META_BYTES)
    return 'cut short (no second meta page)';
  const newer =
    second.readUInt32LE(META_MAGIC_OFFSET) === META_MAGIC &&
    second.readBigUInt64LE(META_TXNID_OFFSET) > first.readBigUInt64LE(META_TXNID_OFFSET)
      ? second
      : first;
  const pageSize = first.readUInt32LE(META_PAGE_SIZE_OFFSET);
  const pagesInUse = Number(newer.readBigUInt64LE(META_LAST_PAGE_OFFSET)) + 1;
  if (pagesInUse * pageSize > sizeBytes)
    return `cut short: ${sizeBytes} bytes where its pages in use need ${pagesInUse * pageSize}`;
  return null;
}

/** The META_BYTES at `offset` of the open file, or fewer where it ends. */
async function readAt(handle: FileHandle, offset: number): Promise<Buffer> {
  const buffer = Buffer.alloc(META_BYTES);
  const { bytesRead } = await handle.read(buffer, 0, META_BYTES, offset);
  return buffer.subarray(0, bytesRead);
}

/**
 * Room a tracker needs to start on a disk: the lock files, LMDB's meta pages and first commit.
 * Where it has less, LMDB writes the new file's first pages through its map and the kernel
 * kills the process (SIGBUS): a tracker on a full disk died with no word, leaving an empty
 * tracker.mdb (found by a session, a 64 KiB tmpfs).
 */
const START_ROOM_BYTES = 256 * 1024;

/**
 * Throws, saying so, where the database is still to be made and the disk under `dbDir` has
 * less than START_ROOM_BYTES free. One that exists opens on a full disk: its writes fail, said
 * once, and go through once there is room.
 */
async function checkRoomToStart(dbDir: string): Promise<void> {
  const existing = await statFile(join(dbDir, LMDB_FILE)).catch(() => null);
  if (existing !== null && existing.size > 0) return;
  const disk = await statfs(dbDir);
  const freeBytes = disk.bavail * disk.bsize;
  if (freeBytes < START_ROOM_BYTES)
    throw new Error(
      `the disk is full (${formatSize(freeBytes)} free; the database needs ${formatSize(START_ROOM_BYTES)} to start)`,
    );
}

async function openOrSetAside(dbDir: string, wallNowMs: number, notes: string[]) {
  const path = join(dbDir, LMDB_FILE);
  try {
    const reason = await notLmdbReason(path);
    if (reason) throw new Error(reason);
    const tables = openLmdbTables(dbDir);
    readLmdbRecords(tables);
    return tables;
  } catch (error) {
    const asidePath = `${path}.corrupt-${wallNowMs}`;
    await rename(path, asidePath);
    await rm(`${path}-lock`, { force: true });
    notes.push(
      `${path} is unreadable (${(error as Error).message}); moved it to ${asidePath} and started without it`,
    );
    return openLmdbTables(dbDir);
  }
}

/**
 * Copies nodes.json/files.json into the tables in one transaction, then renames them to
 * `*.migrated`. A crash between the two repeats the copy on the next start: the same records.
 */
async function migrateJson(
  tables: LmdbTables,
  dbDir: string,
  wallNowMs: number,
  notes: string[],
): Promise<void> {
  const loaded = await loadJsonDb(dbDir, wallNowMs);
  notes.push(...loaded.notes);
  const { nodes, files } = loaded.persisted;
  await committed(
    tables.root.transaction(() => {
      for (const node of nodes) tables.nodes.put(node.nodeId, node);
      for (const file of files) tables.files.put(file.infohash, file);
    }),
  );
  const renamed = await markJsonDbMigrated(dbDir);
  notes.push(
    `migrated ${nodes.length} nodes and ${files.length} files from JSON into ${join(dbDir, LMDB_FILE)}; kept the old files as ${renamed.join(', ')}`,
  );
}

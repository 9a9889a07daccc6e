/**
 * tracker_db/ on disk: nodes.json and files.json, loaded once at start and written atomically
 * (temp file, fsync, rename) in batches, so a crash leaves either the old or the new file, never
 * a torn one, and a burst of events is one write. The only module of the tracker that does I/O
 * on files.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../clock.ts';
import { defaults } from '../config.ts';
import {
  type Parsed,
  type PersistedTracker,
  parseFilesFile,
  parseNodesFile,
  serializeFiles,
  serializeNodes,
} from './persisted.ts';

export const NODES_FILE = 'nodes.json';
export const FILES_FILE = 'files.json';

/** The database as loaded, and one sentence per problem met (for the log). */
export interface LoadedDb {
  persisted: PersistedTracker;
  notes: string[];
}

/**
 * Reads tracker_db/. A missing directory or file is an empty swarm. A file that cannot be parsed
 * is moved aside to `<name>.corrupt-<wallMs>` (kept for a person to inspect) and the tracker
 * starts without it: losing a swarm's registry is recoverable (nodes re-register and re-announce),
 * refusing to start is not.
 */
export async function loadTrackerDb(dbDir: string, wallNowMs: number): Promise<LoadedDb> {
  const notes: string[] = [];
  const nodes = await loadOne(dbDir, NODES_FILE, parseNodesFile, wallNowMs, notes);
  const files = await loadOne(dbDir, FILES_FILE, parseFilesFile, wallNowMs, notes);
  return { persisted: { nodes: nodes ?? [], files: files ?? [] }, notes };
}

async function loadOne<T>(
  dbDir: string,
  name: string,
  parse: (text: string) => Parsed<T>,
  wallNowMs: number,
  notes: string[],
): Promise<T | null> {
  const path = join(dbDir, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    notes.push(`cannot read ${path} (${(error as Error).message}); starting without it`);
    return null;
  }
  const parsed = parse(text);
  if (parsed.ok) return parsed.value;
  const asidePath = `${path}.corrupt-${wallNowMs}`;
  try {
    await rename(path, asidePath);
    notes.push(
      `${path} is unreadable (${parsed.reason}); moved it to ${asidePath} and started without it`,
    );
  } catch (error) {
    notes.push(
      `${path} is unreadable (${parsed.reason}) and could not be moved aside (${(error as Error).message}); started without it`,
    );
  }
  return null;
}

/** Writes `text` to `path` so that readers see the old or the new content, never a mix. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmpPath = `${path}.tmp`;
  const handle = await open(tmpPath, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    // Without fsync a crash after the rename can leave an empty file under the final name.
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmpPath, path);
}

/** fsync a directory so a rename in it survives a crash; not every platform allows it. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: the data itself is already synced.
  }
}

/** Options of a TrackerDbWriter. */
export interface TrackerDbWriterOptions {
  dbDir: string;
  clock: Clock;
  /** What to write; read when the write starts, so a batch writes the newest state. */
  source: () => PersistedTracker;
  flushDelayMs?: number;
  /** After each completed write (tests count writes with it). */
  onWritten?: () => void;
  /** A write failed (first failure of a streak), or writing works again: one sentence. */
  onProblem?: (text: string) => void;
}

/** The pause before a batch is at least this many times the cost of the previous write. */
const WRITE_COST_FACTOR = 4;

/** Coalesces markDirty() calls into one write per flush delay. */
export class TrackerDbWriter {
  private dirty = false;
  private timer: TimerHandle | null = null;
  private writing: Promise<void> | null = null;
  private failing = false;
  private flushing = false;
  /** A write failed inside flush(): report the state as not saved instead of retrying forever. */
  private failedDuringFlush = false;
  private writesCompleted = 0;
  private lastWriteCostMs = 0;
  private readonly flushDelayMs: number;

  constructor(private readonly options: TrackerDbWriterOptions) {
    this.flushDelayMs = options.flushDelayMs ?? defaults.trackerDbFlushDelayMs;
  }

  /** Completed writes since start. */
  get writes(): number {
    return this.writesCompleted;
  }

  /** Something persisted changed: write within the flush delay (once for a whole burst). */
  markDirty(): void {
    this.dirty = true;
    if (this.timer || this.writing) return;
    // A 100k-node database takes ~0.1 s to serialize; spacing writes by a multiple of their
    // cost keeps a churning swarm from spending the event loop on its own backups.
    const delayMs = Math.max(this.flushDelayMs, WRITE_COST_FACTOR * this.lastWriteCostMs);
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      void this.writeNow();
    }, delayMs);
    this.timer.unref?.();
  }

  /**
   * Writes now if anything is pending and waits for every write in progress (shutdown).
   * Returns true when the files on disk hold the current state.
   */
  async flush(): Promise<boolean> {
    this.flushing = true;
    try {
      // A write that ends while we wait may have scheduled the next batch: take it over, until
      // nothing is pending, so no write happens after flush() returns.
      for (;;) {
        if (this.timer) {
          this.options.clock.clearTimeout(this.timer);
          this.timer = null;
        }
        if (this.writing) await this.writing;
        else if (this.dirty && !this.failedDuringFlush) await this.writeNow();
        else return !this.dirty;
      }
    } finally {
      this.flushing = false;
      this.failedDuringFlush = false;
    }
  }

  /** Resolves once no write is running (tests). */
  async whenIdle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private writeNow(): Promise<void> {
    this.dirty = false;
    this.writing = this.writeBoth().finally(() => {
      this.writing = null;
      // Changes that arrived during the write get their own batch (flush() writes them itself).
      if (this.dirty && !this.failing && !this.flushing) this.markDirty();
    });
    return this.writing;
  }

  private async writeBoth(): Promise<void> {
    const { dbDir, clock } = this.options;
    const startedMs = clock.now();
    const persisted = this.options.source();
    try {
      await mkdir(dbDir, { recursive: true });
      // Two files are not one atomic unit; a crash between them leaves new nodes with old
      // files, which the loader tolerates (owners it does not know are ignored).
      await writeFileAtomic(join(dbDir, NODES_FILE), serializeNodes(persisted.nodes));
      await writeFileAtomic(join(dbDir, FILES_FILE), serializeFiles(persisted.files));
      await syncDirectory(dbDir);
      this.writesCompleted++;
      this.lastWriteCostMs = clock.now() - startedMs;
      if (this.failing) this.options.onProblem?.(`${dbDir} is writable again`);
      this.failing = false;
      this.options.onWritten?.();
    } catch (error) {
      // Keep the change pending; the next markDirty() or flush() tries again.
      this.dirty = true;
      if (this.flushing) this.failedDuringFlush = true;
      if (!this.failing) {
        this.options.onProblem?.(`cannot write ${dbDir}: ${(error as Error).message}`);
      }
      this.failing = true;
    }
  }
}

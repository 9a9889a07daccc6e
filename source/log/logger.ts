import { closeSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../clock.ts';
import { makeFolderSync } from '../make-folder.ts';
import { LineBatch, LOG_BATCH_MS } from './line-batch.ts';

/** One logged event, as kept in memory for the log pane. */
export interface LogLine {
  /** Position in the log since start: a stable identity for a line on screen. */
  seq: number;
  wallMs: number;
  text: string;
}

export interface LoggerOptions {
  /** File the lines are appended to; null keeps them in memory only (tests). */
  filePath: string | null;
  clock: Clock;
  /** Newest lines kept in memory for the UI's log pane; 0 without one (headless). */
  ringSize?: number;
  /** Extra sink for every formatted line (headless mode prints them to stdout). */
  echo?: (formattedLine: string) => void;
  /** The file is moved to `<file>.1` once it grows past this (default MAX_LOG_FILE_BYTES). */
  maxFileBytes?: number;
}

const DEFAULT_RING_SIZE = 500;
/** How long after a failed write the file is tried again (a full disk is often freed). */
export const LOG_RETRY_MS = 5_000;
/** Lines kept for the file while it cannot be written, at most (the newest are kept). */
export const MAX_HELD_LOG_BYTES = 1024 * 1024;
/**
 * A log file past this is moved to `<file>.1` (the one before it is dropped) and a new one
 * begun, so a tracker or node left running for weeks keeps at most twice this on disk. A
 * tracker of 100,000 simulated nodes logged ~20 lines (~2 KiB) a second: a move every ~9 hours.
 */
export const MAX_LOG_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Timestamped event log: one line per event to a file in logs/, the newest lines in a ring for
 * the log pane. Lines reach the file in batches, one synchronous append at most LOG_BATCH_MS
 * after the first of them (see line-batch.ts), and on exit.
 */
export class Logger {
  private readonly ring: LogLine[] = [];
  private readonly ringSize: number;
  private readonly listeners = new Set<() => void>();
  /** The file could not be written: lines wait in `held` until retryAtMs, then it is tried. */
  private fileBroken = false;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private droppedLines = 0;
  private retryAtMs = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** closeFile() was called: lines reach the ring and the echo only. */
  private fileClosed = false;
  private nextSeq = 0;
  /** The ring as one immutable array, rebuilt lazily after a new line (for the log pane). */
  private frozenLines: readonly LogLine[] | null = null;
  /** Formatted lines not yet in the file; null without a file. */
  private readonly fileBatch: LineBatch | null;
  /** Bytes in the file as far as this logger knows (null: not read yet); see rotateIfFull. */
  private fileBytes: number | null = null;

  constructor(private readonly options: LoggerOptions) {
    this.ringSize = options.ringSize ?? DEFAULT_RING_SIZE;
    const { filePath } = options;
    if (filePath) makeFolderSync(dirname(filePath));
    this.fileBatch = filePath
      ? new LineBatch((text) => this.append(filePath, text), LOG_BATCH_MS)
      : null;
    if (filePath) atExit(this);
  }

  /** Appends one event line. */
  log(text: string): void {
    const wallMs = this.options.clock.wallNow();
    const formatted = `${new Date(wallMs).toISOString()} ${text}`;
    // Without a pane no line is kept: a tracker of 100,000 nodes logs hundreds of credits a
    // second, and lines kept for a second or two are what its young-generation collections copy.
    if (this.ringSize > 0) {
      this.ring.push({ seq: this.nextSeq, wallMs, text });
      if (this.ring.length > this.ringSize) this.ring.shift();
      this.frozenLines = null;
    }
    this.nextSeq++;
    if (!this.fileClosed) this.fileBatch?.push(formatted);
    this.options.echo?.(formatted);
    for (const listener of this.listeners) listener();
  }

  /** Writes the pending lines to the file now, and tries again what it could not take. */
  flush(): void {
    this.fileBatch?.flush();
    this.retryHeld();
  }

  /**
   * Writes the pending lines and stops writing the file, for an owner about to remove its folder
   * (the demo): a line still in the batch would otherwise be appended after the removal and end
   * the run with `log file ... unwritable`.
   */
  closeFile(): void {
    this.fileBatch?.flush();
    this.fileClosed = true;
    fileLoggers.delete(this);
  }

  /**
   * A full or read-only disk must not stop the engine: what cannot be written is held (the
   * newest MAX_HELD_LOG_BYTES) and written, with the lines since, once the file takes it again,
   * tried every LOG_RETRY_MS. Until 2026-12-07 one failure stopped the file for the rest of the
   * run: a tracker whose disk was full for a second logged nothing more, credits included
   * (found by a session). Only the bytes a failed write did not write are held: the file
   * filling in the middle of a batch wrote the rest of a line after its start, not the whole
   * batch twice (found by a session).
   */
  private append(filePath: string, text: string, now = false): void {
    let bytes: Buffer = Buffer.from(text);
    if (this.fileBroken) {
      this.hold(bytes);
      if (!now && this.options.clock.now() < this.retryAtMs) return;
      bytes = this.takeHeld();
    }
    const { written, error } = appendAll(filePath, bytes);
    if (this.fileBytes !== null || error === null)
      this.fileBytes = (this.fileBytes ?? statSync(filePath).size - written) + written;
    if (error !== null) {
      this.hold(bytes.subarray(written));
      this.retryAtMs = this.options.clock.now() + LOG_RETRY_MS;
      if (!this.fileClosed) {
        this.retryTimer ??= setTimeout(() => this.retryHeld(), LOG_RETRY_MS);
        this.retryTimer.unref();
      }
      if (this.fileBroken) return;
      this.fileBroken = true;
      this.log(
        `log file ${filePath} unwritable: ${(error as Error).message}; its lines are kept and written once it can be (tried every ${LOG_RETRY_MS / 1000} s)`,
      );
      return;
    }
    if (this.fileBroken) {
      this.fileBroken = false;
      this.log(`log file ${filePath} writable again: the lines held meanwhile are in it`);
    }
    if (this.fileBytes! <= (this.options.maxFileBytes ?? MAX_LOG_FILE_BYTES)) return;
    try {
      this.rotateIfFull(filePath);
    } catch {
      // Not moved (the folder read-only, say): the file grows on, and another try comes later.
      this.fileBytes = 0;
    }
  }

  /**
   * The process exits with lines held: one more try, and what still cannot be written is said
   * on stderr, not lost without a word (a node that finished on a full disk, found by a session).
   */
  readonly lastTry = (): void => {
    if (this.fileClosed) return;
    this.flush();
    this.fileBatch?.flush(); // the line a first failure logs
    const filePath = this.options.filePath;
    if (!this.fileBroken || this.held.length === 0 || filePath === null) return;
    const lines = this.held.reduce((sum, chunk) => sum + countLines(chunk), 0);
    const what = lines === 1 ? '1 log line' : `${lines} log lines`;
    process.stderr.write(`bt-tui: ${what} never reached ${filePath} (it could not be written)\n`);
  };

  /** Keeps `bytes` for the file; past MAX_HELD_LOG_BYTES the oldest lines go (and are counted). */
  private hold(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.held.push(bytes);
    this.heldBytes += bytes.length;
    while (this.heldBytes > MAX_HELD_LOG_BYTES && this.held.length > 1) {
      const oldest = this.held.shift()!;
      this.heldBytes -= oldest.length;
      this.droppedLines += countLines(oldest);
    }
  }

  /** Everything held, as one buffer, with a line for what had to be dropped; held is emptied. */
  private takeHeld(): Buffer {
    const chunks = this.held;
    if (this.droppedLines > 0) {
      const stamp = new Date(this.options.clock.wallNow()).toISOString();
      const note = `${stamp} (${this.droppedLines} earlier lines dropped: the log file could not be written)\n`;
      chunks.unshift(Buffer.from(note));
    }
    this.held = [];
    this.heldBytes = 0;
    this.droppedLines = 0;
    return Buffer.concat(chunks);
  }

  /** Tries the file again now: what is held must not wait for the next line to be logged. */
  private retryHeld(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const filePath = this.options.filePath;
    if (this.fileBroken && !this.fileClosed && filePath && this.held.length > 0)
      this.append(filePath, '', true);
  }

  /**
   * Moves a full file to `<file>.1`. Its size is read first: the count kept is only this
   * logger's, and logrotate may have moved or truncated the file meanwhile (lines are appended
   * by name, so that works); a file it has just begun is not full, and is not moved over the one
   * it kept.
   */
  private rotateIfFull(filePath: string): void {
    const size = statSync(filePath).size;
    this.fileBytes = size;
    if (size <= (this.options.maxFileBytes ?? MAX_LOG_FILE_BYTES)) return;
    renameSync(filePath, `${filePath}.1`);
    this.fileBytes = 0;
    const line = `log continued from ${filePath}.1 (moved there at ${size} bytes)`;
    this.fileBatch?.push(`${new Date(this.options.clock.wallNow()).toISOString()} ${line}`);
  }

  /** The newest lines, oldest first: the same array until the next line (a store snapshot). */
  getSnapshot = (): readonly LogLine[] => {
    this.frozenLines ??= Object.freeze(this.ring.slice());
    return this.frozenLines;
  };

  /** Called after each new line. Returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };
}

/** Appends `bytes` to the file: how many were written, and the error that stopped the rest. */
function appendAll(filePath: string, bytes: Buffer): { written: number; error: unknown } {
  let written = 0;
  let fd: number | null = null;
  try {
    fd = openSync(filePath, 'a');
    while (written < bytes.length) written += writeSync(fd, bytes, written);
    return { written, error: null };
  } catch (error) {
    return { written, error };
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function countLines(bytes: Buffer): number {
  let lines = 0;
  for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines++;
  return lines;
}

/**
 * Loggers with a file, each given a last try when the process exits (Logger.lastTry). One hook
 * for all, installed at the first: a logger made broken by the exit's own flush is still seen
 * (a hook added then is not called: a node exiting at once on a full disk lost its lines
 * without a word, found by a session).
 */
const fileLoggers = new Set<Logger>();
let exitHookSet = false;

function atExit(logger: Logger): void {
  if (!exitHookSet) {
    exitHookSet = true;
    process.once('exit', () => {
      for (const each of fileLoggers) each.lastTry();
    });
  }
  fileLoggers.add(logger);
}

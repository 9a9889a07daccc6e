import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../clock.ts';

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
  /** Newest lines kept in memory for the UI's log pane. */
  ringSize?: number;
  /** Extra sink for every formatted line (headless mode prints them to stdout). */
  echo?: (formattedLine: string) => void;
}

const DEFAULT_RING_SIZE = 500;

/**
 * Timestamped event log: one line per event to a file in logs/, the newest lines in a ring for
 * the log pane. The lines of one event-loop turn are one synchronous append at the end of the
 * turn: a tracker of 100,000 nodes logs thousands of events a second, and a system call per line
 * stalled it. A crash still keeps the line that explains it: the pending lines are written on
 * exit, which an uncaught exception goes through.
 */
export class Logger {
  private readonly ring: LogLine[] = [];
  private readonly ringSize: number;
  private readonly listeners = new Set<() => void>();
  private fileBroken = false;
  private nextSeq = 0;
  /** The ring as one immutable array, rebuilt lazily after a new line (for the log pane). */
  private frozenLines: readonly LogLine[] | null = null;
  /** Formatted lines of this turn, not yet in the file. */
  private pending: string[] = [];
  private readonly flushOnExit = () => this.flush();

  constructor(private readonly options: LoggerOptions) {
    this.ringSize = options.ringSize ?? DEFAULT_RING_SIZE;
    if (options.filePath) mkdirSync(dirname(options.filePath), { recursive: true });
  }

  /** Appends one event line. */
  log(text: string): void {
    const wallMs = this.options.clock.wallNow();
    const formatted = `${new Date(wallMs).toISOString()} ${text}`;
    this.ring.push({ seq: this.nextSeq++, wallMs, text });
    if (this.ring.length > this.ringSize) this.ring.shift();
    this.frozenLines = null;
    if (this.options.filePath && !this.fileBroken) {
      if (this.pending.length === 0) {
        setImmediate(() => this.flush());
        process.once('exit', this.flushOnExit);
      }
      this.pending.push(formatted);
    }
    this.options.echo?.(formatted);
    for (const listener of this.listeners) listener();
  }

  /** Writes the lines of this turn to the file now. */
  flush(): void {
    if (this.pending.length === 0 || !this.options.filePath) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    process.removeListener('exit', this.flushOnExit);
    if (this.fileBroken) return;
    try {
      appendFileSync(this.options.filePath, text);
    } catch (error) {
      // A full or read-only disk must not stop the engine; say it once, keep logging in memory.
      this.fileBroken = true;
      this.log(`log file ${this.options.filePath} unwritable: ${(error as Error).message}`);
    }
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

/**
 * Coalesces changes into one write per batch delay, whatever the store: a burst of events is
 * one transaction (LMDB) or one pipeline (Redis), and a crash loses at most the batch that was
 * not yet written. A failed write keeps its changes pending and is tried again with the next.
 */
import type { Clock, TimerHandle } from '../../clock.ts';

/** Options of a BatchWriter. */
export interface BatchWriterOptions {
  clock: Clock;
  delayMs: number;
  /** Writes everything pending; on failure it keeps the changes pending and throws. */
  write: () => Promise<void>;
  /** What is left to write. */
  hasPending: () => boolean;
  /** A write failed (first failure of a streak), or writing works again: one sentence. */
  onProblem?: (text: string) => void;
  /** Names the store in problem sentences. */
  location: string;
}

/** Runs one write at a time, each at most `delayMs` after the first change it carries. */
export class BatchWriter {
  private timer: TimerHandle | null = null;
  private inProgress: Promise<void> | null = null;
  private failing = false;
  private flushing = false;
  private writesCompleted = 0;
  /** Resolved when the next write (the one that takes what is pending now) has been tried. */
  private nextWriteWaiters: (() => void)[] = [];

  constructor(private readonly options: BatchWriterOptions) {}

  /** Completed writes since start. */
  get writes(): number {
    return this.writesCompleted;
  }

  /** A write is under way (its changes are no longer pending, nor written yet). */
  get writing(): boolean {
    return this.inProgress !== null;
  }

  /** Something changed: write within the delay (once for a whole burst). */
  schedule(): void {
    if (this.timer || this.inProgress) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      void this.writeNow();
    }, this.options.delayMs);
    this.timer.unref?.();
  }

  /**
   * Resolves once everything recorded so far has been through a write attempt: at once when
   * nothing is pending or being written. A reply that waits for it is never sent for a change a
   * crash before the write would lose. Someone waiting means no batch delay: the write starts
   * now, or as soon as the one under way ends, and takes everything that came meanwhile (group
   * commit), so a node's sequential requests are not each held for the delay. A failed attempt
   * resolves too: the changes stay pending (and are written later), the tracker keeps answering
   * while its store is away.
   */
  afterPendingWritten(): Promise<void> {
    if (this.options.hasPending()) {
      return new Promise((resolve) => {
        this.nextWriteWaiters.push(resolve);
        if (this.inProgress) return;
        if (this.timer) this.options.clock.clearTimeout(this.timer);
        this.timer = null;
        void this.writeNow();
      });
    }
    // A change already taken by the write in progress (a retransmitted UPDATE's original).
    return this.inProgress ?? Promise.resolve();
  }

  /** Writes what is pending and waits; true when nothing is left (false if writing fails). */
  async flush(): Promise<boolean> {
    this.flushing = true;
    try {
      if (this.timer) {
        this.options.clock.clearTimeout(this.timer);
        this.timer = null;
      }
      if (this.inProgress) await this.inProgress;
      if (this.options.hasPending()) await this.writeNow();
      return !this.options.hasPending();
    } finally {
      this.flushing = false;
    }
  }

  private writeNow(): Promise<void> {
    const waiters = this.nextWriteWaiters;
    this.nextWriteWaiters = [];
    this.inProgress = this.attempt().finally(() => {
      this.inProgress = null;
      for (const resolve of waiters) resolve();
      // Changes that arrived during the write get their own batch (flush() writes them itself),
      // at once when someone waits for them; a failing store is retried at the next change, not
      // in a loop.
      if (!this.options.hasPending() || this.failing || this.flushing) return;
      if (this.nextWriteWaiters.length > 0) void this.writeNow();
      else this.schedule();
    });
    return this.inProgress;
  }

  private async attempt(): Promise<void> {
    try {
      await this.options.write();
      this.writesCompleted++;
      if (this.failing) this.options.onProblem?.(`${this.options.location} is writable again`);
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        this.options.onProblem?.(
          `cannot write ${this.options.location}: ${(error as Error).message}`,
        );
      }
      this.failing = true;
    }
  }
}

/**
 * Whether a file read or write is made at once, on the event loop, or through libuv's thread
 * pool.
 *
 * A read from the page cache, or a write into it, takes tens of microseconds; handing it to a
 * pool thread costs more than the call (a futex wake-up each way and a promise: measured on the
 * 2-core EPYC VM, 256 MiB written in 256 KiB pieces cost 49-65 ms of CPU at once and 128-161 ms
 * through the pool). A call that waits for a disk, or for the kernel to write back dirty pages,
 * blocks the whole node meanwhile (its transfers, heartbeats and view), so after a slow call
 * that was the disk's, calls go to the pool for POOL_HOLD_MS; then one is tried at once again.
 *
 * A slow call is not always the disk: on a busy machine the process may lose its CPU in the
 * middle of one (on the same VM with three seeders and a leecher: a few reads of 2-50 ms per
 * minute, no disk involved). So a slow call counts as the disk's when `slowStreak` calls in a
 * row were slow, or at once when a count of the disk's work rose since the last slow one (for
 * reads, getrusage's block reads, which page-cache hits do not raise).
 */

/** A call that took longer than this may have waited for the disk. */
export const SLOW_CALL_MS = 2;
/** After a call that waited for the disk, calls go to the thread pool for this long. */
export const POOL_HOLD_MS = 5000;

/** How one kind of call tells a slow disk from a lost CPU. */
export interface IoModeOptions {
  /** This many slow calls in a row are the disk's. */
  slowStreak: number;
  /** A count the disk's work raises; a slow call after it rose is the disk's at once. */
  diskWork?: () => number;
  /** Default SLOW_CALL_MS. */
  slowCallMs?: number;
}

/** Block reads the process made so far (ru_inblock). */
export function processBlockReads(): number {
  return process.resourceUsage().fsRead;
}

/** A seeder's reads: slow after block reads at once, or three slow in a row. */
export const READS: IoModeOptions = { slowStreak: 3, diskWork: processBlockReads };
/**
 * A download's writes: two slow in a row. Writing dirties pages, which the kernel counts as
 * block writes whether or not a disk is involved, so no count tells the disk's work apart;
 * the kernel's dirty-page throttling makes every write slow, so two in a row catch it.
 */
export const WRITES: IoModeOptions = { slowStreak: 2 };

export class IoMode {
  private poolUntilMs = Number.NEGATIVE_INFINITY;
  private slowInARow = 0;
  private diskWorkSeen: number;
  private readonly slowCallMs: number;
  /** Calls at once that were slow. */
  slowCalls = 0;
  /** Times calls were sent to the pool. */
  poolSpells = 0;

  constructor(private readonly options: IoModeOptions) {
    this.slowCallMs = options.slowCallMs ?? SLOW_CALL_MS;
    this.diskWorkSeen = options.diskWork?.() ?? 0;
  }

  /** True when the next call should be made at once. */
  atOnce(nowMs: number): boolean {
    return nowMs >= this.poolUntilMs;
  }

  /** A call made at once started and ended at these times. */
  noteCallAtOnce(startMs: number, endMs: number): void {
    if (endMs - startMs <= this.slowCallMs) {
      this.slowInARow = 0;
      return;
    }
    this.slowCalls++;
    this.slowInARow++;
    let diskWorked = false;
    if (this.options.diskWork) {
      const work = this.options.diskWork();
      diskWorked = work > this.diskWorkSeen;
      this.diskWorkSeen = work;
    }
    if (!diskWorked && this.slowInARow < this.options.slowStreak) return;
    this.slowInARow = 0;
    this.poolSpells++;
    this.poolUntilMs = endMs + POOL_HOLD_MS;
  }
}

/**
 * Whether a seeder reads a run at once, on the event loop, or through libuv's thread pool.
 *
 * A run read from the page cache takes tens of microseconds; handing it to a pool thread costs
 * more than the read (a futex wake-up each way and a promise). A read that waits for a disk
 * blocks the whole node meanwhile (its downloads, heartbeats and view), so reads go to the pool
 * for POOL_HOLD_MS after a read at once that was slow because of the disk; then one is tried at
 * once again.
 *
 * A slow read is not always the disk: on a busy machine the process may simply lose its CPU in
 * the middle of one (measured on the 2-core VM with three seeders and a leecher: a few reads of
 * 2-50 ms per minute, with no disk involved). So a slow read counts as the disk's when the
 * process made block reads since the last slow one (getrusage's ru_inblock, which page-cache
 * hits do not raise), or when SLOW_STREAK reads in a row were slow (a file system whose reads do
 * not count as block reads, such as a network one).
 */

/** A read that took longer than this may have waited for the disk. */
export const SLOW_READ_MS = 2;
/** This many slow reads in a row are the file system's, whatever the block-read count says. */
export const SLOW_STREAK = 3;
/** After a read that waited for the disk, reads go to the thread pool for this long. */
export const POOL_HOLD_MS = 5000;

/** Block reads the process made so far (ru_inblock). */
function processBlockReads(): number {
  return process.resourceUsage().fsRead;
}

export class ReadMode {
  private poolUntilMs = Number.NEGATIVE_INFINITY;
  private slowInARow = 0;
  private blockReadsSeen: number;
  /** Reads at once that were slow. */
  slowReads = 0;
  /** Times reads were sent to the pool. */
  poolSpells = 0;

  constructor(
    private readonly slowReadMs = SLOW_READ_MS,
    private readonly blockReads: () => number = processBlockReads,
  ) {
    this.blockReadsSeen = blockReads();
  }

  /** True when the next read should be made at once. */
  readsAtOnce(nowMs: number): boolean {
    return nowMs >= this.poolUntilMs;
  }

  /** A read made at once started and ended at these times. */
  noteReadAtOnce(startMs: number, endMs: number): void {
    if (endMs - startMs <= this.slowReadMs) {
      this.slowInARow = 0;
      return;
    }
    this.slowReads++;
    this.slowInARow++;
    const blockReads = this.blockReads();
    const fromDisk = blockReads > this.blockReadsSeen;
    this.blockReadsSeen = blockReads;
    if (!fromDisk && this.slowInARow < SLOW_STREAK) return;
    this.slowInARow = 0;
    this.poolSpells++;
    this.poolUntilMs = endMs + POOL_HOLD_MS;
  }
}

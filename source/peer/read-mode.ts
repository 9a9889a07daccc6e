/**
 * Whether a seeder reads a run at once, on the event loop, or through libuv's thread pool.
 *
 * A run read from the page cache takes tens of microseconds; handing it to a pool thread costs
 * more than the read (a futex wake-up each way and a promise). Measured 2026-12-02 on the 2-core
 * EPYC VM, 256 MiB from 3 seeders, five interleaved rounds: the seeders spent 2.1-2.9 core-s per
 * GiB served reading at once against 2.7-3.5 through the pool. A read that waits for a disk blocks
 * the whole node meanwhile (its downloads, heartbeats and view), so a read slower than
 * SLOW_READ_MS sends reads to the pool for the next POOL_HOLD_MS; then one is tried at once again.
 */

/** A read that took longer than this waited for the disk, not the page cache. */
export const SLOW_READ_MS = 2;
/** After a slow read, reads go to the thread pool for this long. */
export const POOL_HOLD_MS = 5000;

export class ReadMode {
  private poolUntilMs = Number.NEGATIVE_INFINITY;
  /** Reads at once that were slow: each sent the next reads to the pool. */
  slowReads = 0;

  constructor(private readonly slowReadMs = SLOW_READ_MS) {}

  /** True when the next read should be made at once. */
  readsAtOnce(nowMs: number): boolean {
    return nowMs >= this.poolUntilMs;
  }

  /** A read made at once started and ended at these times. */
  noteReadAtOnce(startMs: number, endMs: number): void {
    if (endMs - startMs <= this.slowReadMs) return;
    this.slowReads++;
    this.poolUntilMs = endMs + POOL_HOLD_MS;
  }
}

/**
 * Requests per second over a sliding second: ten 100 ms buckets, so recording a request is one
 * addition and the figure moves smoothly instead of jumping once a second.
 */

const BUCKET_MS = 100;
const BUCKETS = 10;

/** A sliding one-second rate counter on monotonic milliseconds. */
export class RequestRate {
  private readonly counts = new Array<number>(BUCKETS).fill(0);
  private readonly bucketIds = new Array<number>(BUCKETS).fill(-1);

  /** Counts one event at `nowMs`. */
  record(nowMs: number): void {
    const bucketId = Math.floor(nowMs / BUCKET_MS);
    const slot = bucketId % BUCKETS;
    if (this.bucketIds[slot] !== bucketId) {
      this.bucketIds[slot] = bucketId;
      this.counts[slot] = 0;
    }
    this.counts[slot] = (this.counts[slot] ?? 0) + 1;
  }

  /** Events in the last second (the current bucket and the nine before it). */
  perSecond(nowMs: number): number {
    const currentId = Math.floor(nowMs / BUCKET_MS);
    let total = 0;
    for (let slot = 0; slot < BUCKETS; slot++) {
      const id = this.bucketIds[slot] ?? -1;
      if (id > currentId - BUCKETS && id <= currentId) total += this.counts[slot] ?? 0;
    }
    return total;
  }
}

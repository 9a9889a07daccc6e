/**
 * Requests per host: a token bucket each, so one host sending as fast as it can takes at most
 * its share of the tracker and the others are still answered at once. Only requests that proved
 * their source (a valid token, or a proof whose challenge reached that address) are charged: a
 * forged source address must not be able to spend an honest host's budget.
 */

/** Bounds of a HostBudget. */
export interface HostBudgetOptions {
  /** Sustained requests per second per host. */
  perSecond: number;
  /** Requests a host may send at once after being quiet. */
  burst: number;
  /** Hosts remembered; the least recently seen is forgotten first (it starts full again). */
  maxHosts: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Token buckets by host key, on monotonic milliseconds passed in. */
export class HostBudget {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: HostBudgetOptions) {}

  /** Hosts currently remembered. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one request from `hostKey`'s bucket; false when it is empty (drop the request). */
  take(hostKey: string, nowMs: number): boolean {
    const { perSecond, burst } = this.options;
    let bucket = this.buckets.get(hostKey);
    if (bucket) {
      this.buckets.delete(hostKey);
      const refill = (Math.max(0, nowMs - bucket.atMs) * perSecond) / 1000;
      bucket.tokens = Math.min(burst, bucket.tokens + refill);
      bucket.atMs = nowMs;
    } else {
      // A full budget forgets its least recently seen host and reuses its bucket: a swarm of
      // more hosts than maxHosts would otherwise allocate a bucket per request.
      bucket = this.buckets.size >= this.options.maxHosts ? this.forgetOldest() : undefined;
      bucket ??= { tokens: 0, atMs: 0 };
      bucket.tokens = burst;
      bucket.atMs = nowMs;
    }
    // Re-inserted at the newest end: the Map's order is the order hosts were last seen.
    this.buckets.set(hostKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private forgetOldest(): Bucket | undefined {
    const oldest = this.buckets.entries().next();
    if (oldest.done) return undefined;
    this.buckets.delete(oldest.value[0]);
    return oldest.value[1];
  }
}

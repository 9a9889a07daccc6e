/**
 * A byte-rate limit as a token bucket that may go into debt: a whole run of blocks is let through
 * as soon as the balance is positive, and the debt it leaves delays what comes next. The long-run
 * rate is exactly the limit whatever the run size, and no run is ever split or held back waiting
 * for a bucket too small to hold it. Pure: time comes in as `nowMs`.
 */

/** Tokens saved up while idle, as seconds of the rate: a short burst, not a second's worth. */
const BURST_SECONDS = 0.1;

export class TokenBucket {
  private balance = 0;
  private lastRefillMs: number;

  /** `bytesPerSec` 0 means no limit. */
  constructor(
    private bytesPerSec: number,
    nowMs: number,
  ) {
    this.lastRefillMs = nowMs;
  }

  /** The limit in bytes per second; 0 when unlimited. */
  get limit(): number {
    return this.bytesPerSec;
  }

  get limited(): boolean {
    return this.bytesPerSec > 0;
  }

  /** Changes the limit at run time (0 lifts it); the balance starts afresh. */
  setLimit(bytesPerSec: number, nowMs: number): void {
    this.bytesPerSec = bytesPerSec;
    this.balance = 0;
    this.lastRefillMs = nowMs;
  }

  /**
   * Changes the rate and keeps the balance (its debt too): what went out at the old rate still
   * counts. For a rate that is retuned all the time; setLimit() is for a person's new limit.
   */
  retune(bytesPerSec: number, nowMs: number): void {
    if (this.limited) this.refill(nowMs);
    else this.balance = 0;
    this.lastRefillMs = nowMs;
    this.bytesPerSec = bytesPerSec;
  }

  /** True if `bytes` may go now (and charges them); false while the bucket is in debt. */
  take(bytes: number, nowMs: number): boolean {
    if (!this.limited) return true;
    this.refill(nowMs);
    if (this.balance <= 0) return false;
    this.balance -= bytes;
    return true;
  }

  /** Charges bytes already let through (they may put the bucket into debt). */
  charge(bytes: number, nowMs: number): void {
    if (!this.limited) return;
    this.refill(nowMs);
    this.balance -= bytes;
  }

  /** Milliseconds until take() can succeed again (0 if it can now). */
  waitMs(nowMs: number): number {
    if (!this.limited) return 0;
    this.refill(nowMs);
    return this.balance > 0 ? 0 : Math.ceil(((1 - this.balance) * 1000) / this.bytesPerSec);
  }

  private refill(nowMs: number): void {
    const elapsedMs = nowMs - this.lastRefillMs;
    if (elapsedMs <= 0) return;
    this.lastRefillMs = nowMs;
    const cap = this.bytesPerSec * BURST_SECONDS;
    this.balance = Math.min(cap, this.balance + (this.bytesPerSec * elapsedMs) / 1000);
  }
}

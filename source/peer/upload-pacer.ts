/**
 * The owner side of `--upload-limit`: runs of DATA go out when the token bucket allows, in the
 * order they were accepted. Waiting runs are only plans (no bytes read yet), and the seeder's
 * per-requester queue bound keeps their number bounded, so a low limit costs no memory.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import { TokenBucket } from './token-bucket.ts';

export class UploadPacer {
  private readonly bucket: TokenBucket;
  private readonly waiting: Array<{ bytes: number; run: () => void }> = [];
  private waitingBytes = 0;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    bytesPerSec: number,
  ) {
    this.bucket = new TokenBucket(bytesPerSec, clock.now());
  }

  /** Bytes per second; 0 for no limit. */
  get limit(): number {
    return this.bucket.limit;
  }

  setLimit(bytesPerSec: number): void {
    this.bucket.setLimit(bytesPerSec, this.clock.now());
    // drain() schedules afresh: a timer left pending would start a second drain chain.
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.drain();
  }

  /** How long a run accepted now would wait for its turn, in ms (0 without a limit). */
  queuedMs(): number {
    if (!this.bucket.limited) return 0;
    return (this.waitingBytes * 1000) / this.bucket.limit + this.bucket.waitMs(this.clock.now());
  }

  /** Runs `run` now if the limit allows and nothing waits before it, otherwise later. */
  submit(bytes: number, run: () => void): void {
    if (this.waiting.length === 0 && this.bucket.take(bytes, this.clock.now())) {
      run();
      return;
    }
    this.waiting.push({ bytes, run });
    this.waitingBytes += bytes;
    this.schedule();
  }

  /**
   * Charges `bytes` sent at once past the queue (a METAINFO chunk): the limit pays for them, so
   * what waits goes out that much later and the long-run rate stays the limit.
   */
  charge(bytes: number): void {
    this.bucket.charge(bytes, this.clock.now());
  }

  /** Forgets every waiting run (the node is closing). */
  clear(): void {
    this.waiting.length = 0;
    this.waitingBytes = 0;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private drain(): void {
    this.timer = null;
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (!this.bucket.take(next.bytes, this.clock.now())) break;
      this.waiting.shift();
      this.waitingBytes -= next.bytes;
      next.run();
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null || this.waiting.length === 0) return;
    this.timer = this.clock.setTimeout(
      () => this.drain(),
      Math.max(1, this.bucket.waitMs(this.clock.now())),
    );
    this.timer.unref?.();
  }
}

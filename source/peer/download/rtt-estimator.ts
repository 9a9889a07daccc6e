import { DOUBLE_ZERO } from '../../double-zero.ts';

/**
 * Retransmission timeout from measured round trips, the RFC 6298 way: a smoothed RTT and its
 * variance, RTO = SRTT + 4 * RTTVAR, clamped. The caller feeds only replies that answer a
 * block's latest request (matched by txid), so a late first copy cannot shrink the timeout.
 */
export class RttEstimator {
  private smoothedMs = DOUBLE_ZERO;
  private varianceMs = DOUBLE_ZERO;
  private hasSample = false;
  private lowestMs = DOUBLE_ZERO;
  /** Doubles on each consecutive timeout, reset by the next good sample. */
  private backoff = 1;

  constructor(
    private readonly minTimeoutMs: number,
    private readonly maxTimeoutMs: number,
    private readonly initialTimeoutMs = 500,
  ) {}

  addSample(rttMs: number): void {
    if (!this.hasSample || rttMs < this.lowestMs) this.lowestMs = rttMs;
    if (!this.hasSample) {
      this.smoothedMs = rttMs;
      this.varianceMs = rttMs / 2;
      this.hasSample = true;
    } else {
      this.varianceMs = 0.75 * this.varianceMs + 0.25 * Math.abs(this.smoothedMs - rttMs);
      this.smoothedMs = 0.875 * this.smoothedMs + 0.125 * rttMs;
    }
    this.backoff = 1;
  }

  /**
   * The reply to a request given up on as lost came after all, `rttMs` after it went: the timer
   * fired too soon. As TCP's Eifel response (RFC 4015) the estimate is set so that this round
   * trip would not have timed out — SRTT at least the sample, RTTVAR at least half of it — and
   * the back-off ends; later samples bring it down again as the queue that delayed it drains.
   */
  addLateSample(rttMs: number): void {
    if (!this.hasSample) this.addSample(rttMs);
    if (rttMs < this.lowestMs) this.lowestMs = rttMs;
    this.smoothedMs = Math.max(this.smoothedMs, rttMs);
    this.varianceMs = Math.max(this.varianceMs, rttMs / 2);
    this.backoff = 1;
  }

  /** A timeout happened: back off until a fresh sample arrives. */
  onTimeout(): void {
    this.backoff = Math.min(this.backoff * 2, 64);
  }

  get smoothedRttMs(): number {
    return this.hasSample ? this.smoothedMs : this.initialTimeoutMs;
  }

  /**
   * The lowest round trip measured: the path's own, without the queues and the owner's load that
   * the smoothed one carries (as BBR's min RTT). 0 before the first sample.
   */
  get lowestRttMs(): number {
    return this.hasSample ? this.lowestMs : 0;
  }

  get timeoutMs(): number {
    const base = this.hasSample ? this.smoothedMs + 4 * this.varianceMs : this.initialTimeoutMs;
    return Math.min(this.maxTimeoutMs, Math.max(this.minTimeoutMs, base) * this.backoff);
  }
}

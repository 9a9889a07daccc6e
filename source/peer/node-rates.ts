/** Bytes per second each way. */
export interface Rates {
  readonly up: number;
  readonly down: number;
}

/**
 * A shown rate, at most its limit (bytes per second; 0: none). Over it is a burst the limit's
 * bucket let through, not how fast a transfer goes: a second that held a block or two of a tiny
 * limit read 10x it (`↓ 40.1 KiB/s (limit 4.0 KiB/s)`), a resume at `:down 4K` `109.5 KiB/s ETA
 * 3m07s` (found by a session).
 */
export function atMostTheLimit(rate: number, limitBytesPerSec: number): number {
  return limitBytesPerSec > 0 ? Math.min(rate, limitBytesPerSec) : rate;
}

/** A steady rate is measured over this long: a second, as rtorrent's and aria2c's are. */
export const RATE_WINDOW_MS = 1000;
/**
 * A transfer that starts while the node was idle shows its rate after this much of it, not at
 * the end of a second that was mostly idle: the header said `↓ idle` for up to two seconds beside
 * a download already at 10 MiB/s.
 */
export const STARTING_RATE_MS = 300;

/**
 * The header's upload and download rates, from the node's file byte counters read every snapshot
 * tick (100 ms). A rate is published once a second; but when bytes start to move in a direction
 * whose rate is 0, the rate is published after STARTING_RATE_MS, measured from the last tick
 * before they moved rather than from the start of the second. A tick allocates nothing (an idle
 * node ticks all day). Pure: the clock comes in as arguments.
 */
export class NodeRates {
  private baseAtMs: number;
  private baseUp: number;
  private baseDown: number;
  /** The latest tick at which no bytes had moved since the base: where a transfer started. */
  private quietAtMs: number;
  rates: Rates = { up: 0, down: 0 };

  constructor(nowMs: number, uploaded: number, downloaded: number) {
    this.baseAtMs = nowMs;
    this.baseUp = uploaded;
    this.baseDown = downloaded;
    this.quietAtMs = nowMs;
  }

  /** Reads the counters; returns true when `rates` were published anew (changed or not). */
  tick(nowMs: number, uploaded: number, downloaded: number): boolean {
    const upMoved = uploaded !== this.baseUp;
    const downMoved = downloaded !== this.baseDown;
    // Quiet ticks have the base's counts: measuring from the latest one leaves out the idle part.
    if (!upMoved && !downMoved) this.quietAtMs = nowMs;
    if (nowMs - this.baseAtMs >= RATE_WINDOW_MS) {
      this.publish(this.baseAtMs, nowMs, uploaded, downloaded);
      return true;
    }
    const starting = (upMoved && this.rates.up === 0) || (downMoved && this.rates.down === 0);
    if (starting && nowMs - this.quietAtMs >= STARTING_RATE_MS) {
      this.publish(this.quietAtMs, nowMs, uploaded, downloaded);
      return true;
    }
    return false;
  }

  private publish(fromMs: number, nowMs: number, uploaded: number, downloaded: number): void {
    const elapsedMs = nowMs - fromMs;
    this.rates = {
      up: ((uploaded - this.baseUp) * 1000) / elapsedMs,
      down: ((downloaded - this.baseDown) * 1000) / elapsedMs,
    };
    this.baseAtMs = nowMs;
    this.baseUp = uploaded;
    this.baseDown = downloaded;
    this.quietAtMs = nowMs;
  }
}

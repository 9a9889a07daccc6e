/** A node's file bytes so far, each way. */
export interface ByteCounts {
  readonly uploaded: number;
  readonly downloaded: number;
}

/** Bytes per second each way. */
export interface Rates {
  readonly up: number;
  readonly down: number;
}

/** A steady rate is measured over this long: a second, as rtorrent's and aria2c's are. */
export const RATE_WINDOW_MS = 1000;
/**
 * A transfer that starts while the node was idle shows its rate after this much of it, not at
 * the end of a second that was mostly idle: the header said `↓ idle` for up to two seconds beside
 * a download already at 10 MiB/s.
 */
export const STARTING_RATE_MS = 300;

interface Sample extends ByteCounts {
  readonly atMs: number;
}

/**
 * The header's upload and download rates, from the node's byte counters read every snapshot tick
 * (100 ms). A rate is published once a second; but when bytes start to move in a direction whose
 * rate is 0, the rate is published after STARTING_RATE_MS, measured from the last tick before
 * they moved rather than from the start of the second. Pure: the clock comes in as arguments.
 */
export class NodeRates {
  private base: Sample;
  /** The latest tick at which no bytes had moved since `base`: where a starting transfer began. */
  private quiet: Sample;
  rates: Rates = { up: 0, down: 0 };

  constructor(nowMs: number, counts: ByteCounts) {
    this.base = { atMs: nowMs, uploaded: counts.uploaded, downloaded: counts.downloaded };
    this.quiet = this.base;
  }

  /** Reads the counters; returns true when `rates` were published anew (changed or not). */
  tick(nowMs: number, counts: ByteCounts): boolean {
    const base = this.base;
    const upMoved = counts.uploaded !== base.uploaded;
    const downMoved = counts.downloaded !== base.downloaded;
    if (!upMoved && !downMoved) this.quiet = { atMs: nowMs, ...countsOf(counts) };
    if (nowMs - base.atMs >= RATE_WINDOW_MS) {
      this.publish(base, nowMs, counts);
      return true;
    }
    const starting = (upMoved && this.rates.up === 0) || (downMoved && this.rates.down === 0);
    if (starting && nowMs - this.quiet.atMs >= STARTING_RATE_MS) {
      // Measured from the last quiet tick: the idle part of the second is left out.
      this.publish(this.quiet, nowMs, counts);
      return true;
    }
    return false;
  }

  private publish(from: Sample, nowMs: number, counts: ByteCounts): void {
    const elapsedMs = nowMs - from.atMs;
    this.rates = {
      up: ((counts.uploaded - from.uploaded) * 1000) / elapsedMs,
      down: ((counts.downloaded - from.downloaded) * 1000) / elapsedMs,
    };
    this.base = { atMs: nowMs, ...countsOf(counts) };
    this.quiet = this.base;
  }
}

function countsOf(counts: ByteCounts): ByteCounts {
  return { uploaded: counts.uploaded, downloaded: counts.downloaded };
}

/**
 * The rate a person reads beside a download or an owner: bytes over a window that widens as the
 * rate falls, from about a second (a fast transfer, as rtorrent's and aria2c's) to the last few
 * blocks of a slow one. A decaying average sampled twice a second could not show a slow rate:
 * held to `:down 1K` (a 16 KiB block every ~14 s) a download read `407 B/s ETA 1d21h`, then
 * `1 B/s ETA 525d20h`, then `0 B/s`, and never its ~1.2 KiB/s (found by a session).
 * Pure: the clock and the byte count come in as arguments; a sample allocates nothing.
 */

/** Samples kept: at housekeeping's two a second, the last 64 s. */
const CAPACITY = 128;
/** The window is never shorter than this (a steady rate measured over a second). */
export const MIN_RATE_WINDOW_MS = 1000;

export class RateWindow {
  private readonly times = new Float64Array(CAPACITY);
  private readonly totals = new Float64Array(CAPACITY);
  /** Where the next sample goes; the `count` samples kept end just before it. */
  private next = 0;
  private count = 0;
  /** Of steadyRate's window (see rate): its newest arrival, samples back, and their mean gap. */
  private lastArrival = 0;
  private meanGapMs = 0;

  /** Records that `totalBytes` had moved in all by `nowMs` (a running total, never less). */
  sample(nowMs: number, totalBytes: number): void {
    this.times[this.next] = nowMs;
    this.totals[this.next] = totalBytes;
    this.next = (this.next + 1) % CAPACITY;
    if (this.count < CAPACITY) this.count++;
  }

  /**
   * Bytes per second: steadyRate while nothing has come for no longer than its arrivals' mean
   * gap; after that it falls with the silence, as that many bytes over the time they took and
   * the silence since. 0 before any came.
   */
  rate(minBytes: number): number {
    const steady = this.steadyRate(minBytes);
    if (steady === 0) return 0;
    const quietMs = this.timeBack(0) - this.timeBack(this.lastArrival);
    return quietMs <= this.meanGapMs ? steady : (steady * this.meanGapMs) / quietMs;
  }

  /**
   * The rate between arrivals: from a sample at which bytes had come to the latest such sample,
   * exact for blocks at a steady pace wherever between two of them it is read; over the shortest
   * such window that spans MIN_RATE_WINDOW_MS and holds `minBytes` (a few blocks), or over every
   * sample kept (from the oldest, while bytes came only once). What a transfer ran at when
   * bytes last came, however long ago; 0 before any came.
   */
  steadyRate(minBytes: number): number {
    let last = 0;
    while (last < this.count - 1 && !this.arrivedAt(last)) last++;
    let first = -1;
    let gaps = 0;
    for (let back = last + 1; back < this.count - 1; back++) {
      if (!this.arrivedAt(back)) continue;
      first = back;
      gaps++;
      const spanMs = this.timeBack(last) - this.timeBack(back);
      const bytes = this.totalBack(last) - this.totalBack(back);
      if (spanMs >= MIN_RATE_WINDOW_MS && bytes >= minBytes) break;
    }
    if (!this.arrivedAt(last)) return 0;
    // Bytes came once in all the samples kept (a transfer's first second): from the oldest.
    if (first < 0) {
      first = this.count - 1;
      gaps = 1;
    }
    const spanMs = this.timeBack(last) - this.timeBack(first);
    this.lastArrival = last;
    this.meanGapMs = spanMs / gaps;
    return ((this.totalBack(last) - this.totalBack(first)) * 1000) / spanMs;
  }

  /** Forgets every sample: a rate starts anew (a resumed download). */
  clear(): void {
    this.count = 0;
  }

  /** True when bytes came between the sample `back` samples back and the one before it. */
  private arrivedAt(back: number): boolean {
    return back < this.count - 1 && this.totalBack(back) > this.totalBack(back + 1);
  }

  private slot(back: number): number {
    return (this.next - 1 - back + 2 * CAPACITY) % CAPACITY;
  }

  private timeBack(back: number): number {
    return this.times[this.slot(back)]!;
  }

  private totalBack(back: number): number {
    return this.totals[this.slot(back)]!;
  }
}

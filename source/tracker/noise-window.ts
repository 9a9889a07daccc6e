/**
 * Keeps hostile or broken traffic from flooding the log: within each window the first few
 * occurrences are logged in full, the rest are counted and summed up in one line when the window
 * ends (e.g. "ignored 1200 undecodable datagrams from 3 addresses in the last 10 s").
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { RemoteAddress } from '../net/transport.ts';

/** Distinct senders remembered per window; beyond this the count says "at least". */
const MAX_TRACKED_ADDRESSES = 10_000;

/** Options of a NoiseWindow. */
export interface NoiseWindowOptions {
  clock: Clock;
  windowMs: number;
  /** Occurrences per window that are logged in full before the rest are only counted. */
  fullLinesPerWindow: number;
  /** Writes the summary of a window in which occurrences were only counted. */
  summarize: (count: number, addresses: number, addressesCapped: boolean) => void;
}

/** One rate-limited kind of noise. */
export class NoiseWindow {
  private inWindow = 0;
  private counted = 0;
  private readonly addresses = new Set<string>();
  private timer: TimerHandle | null = null;
  private total = 0;

  constructor(private readonly options: NoiseWindowOptions) {}

  /** Occurrences since start. */
  get totalCount(): number {
    return this.total;
  }

  /** Records one occurrence; true when the caller should log it in full. */
  record(from: RemoteAddress): boolean {
    this.total++;
    if (!this.timer) {
      this.timer = this.options.clock.setTimeout(() => this.endWindow(), this.options.windowMs);
      this.timer.unref?.();
    }
    this.inWindow++;
    if (this.inWindow <= this.options.fullLinesPerWindow) return true;
    this.counted++;
    if (this.addresses.size < MAX_TRACKED_ADDRESSES) {
      this.addresses.add(`${from.address}|${from.port}`);
    }
    return false;
  }

  /** Ends the current window now, writing its summary (shutdown). */
  stop(): void {
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.endWindow();
  }

  private endWindow(): void {
    this.timer = null;
    if (this.counted > 0) {
      const capped = this.addresses.size >= MAX_TRACKED_ADDRESSES;
      this.options.summarize(this.counted, this.addresses.size, capped);
    }
    this.inWindow = 0;
    this.counted = 0;
    this.addresses.clear();
  }
}

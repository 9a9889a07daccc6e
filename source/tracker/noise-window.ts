/**
 * Keeps hostile or broken traffic from flooding the log: every kind of refusal (an undecodable
 * datagram, a bad token, a refused OWN, a throttled host, ...) is logged in full the first time
 * in each window and only counted after that; when the window ends, one line per kind sums up
 * what was counted, with the hosts that sent most. However many datagrams an attacker sends, the
 * log grows by at most two lines per kind per window.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { RemoteAddress } from '../net/transport.ts';
import { hostKeyOf } from './host-key.ts';

/** Distinct hosts counted per kind and window; beyond this the count says "at least". */
const MAX_TRACKED_HOSTS = 1_000;
/** Hosts named in a summary, most occurrences first. */
const TOP_HOSTS = 3;

/** What one kind of refusal amounted to in one window. */
export interface RefusalSummary {
  /** e.g. `refused own (conflict)`. */
  kind: string;
  /** Occurrences only counted (not logged in full) in the window. */
  count: number;
  /** Occurrences of the kind logged in full in the same window. */
  logged: number;
  /** Distinct hosts that sent the counted ones. */
  hosts: number;
  /** Too many hosts to count them all: `hosts` is a lower bound. */
  hostsCapped: boolean;
  /** The hosts that sent most, with their counts. */
  top: readonly { host: string; count: number }[];
  windowMs: number;
}

/** Options of a NoiseWindow. */
export interface NoiseWindowOptions {
  clock: Clock;
  windowMs: number;
  /** Occurrences of one kind per window logged in full before the rest are only counted. */
  fullLinesPerKind: number;
  /** Writes the summary of a kind of which some occurrences were only counted. */
  summarize: (summary: RefusalSummary) => void;
}

interface KindCount {
  logged: number;
  counted: number;
  /**
   * Made when the first occurrence is only counted: most kinds (a host's searches) never get
   * there, and at 100,000 nodes an empty Map per host and window was a fifth of what survived
   * the tracker's young-generation collections.
   */
  hosts: Map<string, number> | null;
  hostsCapped: boolean;
}

/** Refusals by kind, summed up per window. */
export class NoiseWindow {
  private readonly kinds = new Map<string, KindCount>();
  private timer: TimerHandle | null = null;

  constructor(private readonly options: NoiseWindowOptions) {}

  /**
   * Records one occurrence of `kind` from `from`; true when the caller should log it in full.
   * `fullLines` overrides the per-kind allowance (0: only ever summed up).
   */
  record(kind: string, from: RemoteAddress, fullLines = this.options.fullLinesPerKind): boolean {
    if (!this.timer) {
      this.timer = this.options.clock.setTimeout(() => this.endWindow(), this.options.windowMs);
      this.timer.unref?.();
    }
    let count = this.kinds.get(kind);
    if (!count) {
      count = { logged: 0, counted: 0, hosts: null, hostsCapped: false };
      this.kinds.set(kind, count);
    }
    if (count.logged < fullLines) {
      count.logged++;
      return true;
    }
    count.counted++;
    const host = hostKeyOf(from);
    count.hosts ??= new Map();
    const seen = count.hosts.get(host);
    if (seen !== undefined) count.hosts.set(host, seen + 1);
    else if (count.hosts.size < MAX_TRACKED_HOSTS) count.hosts.set(host, 1);
    else count.hostsCapped = true;
    return false;
  }

  /** True when `kind` has had its `fullLines` full lines in this window. */
  spent(kind: string, fullLines: number): boolean {
    return (this.kinds.get(kind)?.logged ?? 0) >= fullLines;
  }

  /** Ends the current window now, writing its summaries (shutdown). */
  stop(): void {
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.endWindow();
  }

  private endWindow(): void {
    this.timer = null;
    for (const [kind, count] of this.kinds) {
      if (count.counted === 0 || !count.hosts) continue;
      const top = [...count.hosts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, TOP_HOSTS)
        .map(([host, hostCount]) => ({ host, count: hostCount }));
      this.options.summarize({
        kind,
        count: count.counted,
        logged: count.logged,
        hosts: count.hosts.size,
        hostsCapped: count.hostsCapped,
        top,
        windowMs: this.options.windowMs,
      });
    }
    this.kinds.clear();
  }
}

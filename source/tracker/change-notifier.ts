/**
 * Tells snapshot subscribers that something changed. A discrete event is announced at once; a
 * burst of them (a whole swarm re-registering after a restart) is folded into at most one
 * announcement per MIN_GAP_MS, so the UI never rebuilds thousands of snapshots a second.
 */
import type { Clock, TimerHandle } from '../clock.ts';

/** Shortest gap between two announcements; 50 ms is below what a person can tell apart. */
const MIN_GAP_MS = 50;

/** Listener set with leading-edge, coalesced notification. */
export class ChangeNotifier {
  private readonly listeners = new Set<() => void>();
  private lastNotifiedMs = Number.NEGATIVE_INFINITY;
  private trailing: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    /** Called just before listeners run: drop the cached snapshot. */
    private readonly invalidate: () => void,
  ) {}

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Something changed: notify now, or at the end of the current gap if one just went out. */
  changed(): void {
    if (this.stopped || this.trailing) return;
    const sinceMs = this.clock.now() - this.lastNotifiedMs;
    if (sinceMs >= MIN_GAP_MS) {
      this.notify();
      return;
    }
    this.trailing = this.clock.setTimeout(() => {
      this.trailing = null;
      this.notify();
    }, MIN_GAP_MS - sinceMs);
    this.trailing.unref?.();
  }

  /** No more notifications. */
  stop(): void {
    this.stopped = true;
    if (this.trailing) this.clock.clearTimeout(this.trailing);
    this.trailing = null;
    this.listeners.clear();
  }

  private notify(): void {
    if (this.stopped) return;
    this.lastNotifiedMs = this.clock.now();
    this.invalidate();
    for (const listener of [...this.listeners]) listener();
  }
}

import { useCallback, useMemo, useSyncExternalStore } from 'react';

/** Anything with an immutable snapshot and a change signal: the engines and the logger. */
export interface Store<T> {
  getSnapshot(): T;
  subscribe(listener: () => void): () => void;
}

/** Re-render at most this often, however busy the engine: the screen never slows it down. */
const MIN_RENDER_INTERVAL_MS = 100;

/**
 * One redraw for the changes of every store a view reads, at most once per `minIntervalMs`: the
 * first change after a quiet spell is drawn at once, a burst once per interval, and the last
 * change always. Shared by a view's stores: throttled each on its own, the peer view's three
 * (node, swarm listing, log) drew up to three frames an interval, each of the whole screen, while
 * a folder of 3,000 files was seeded (found by hand); the change signals of one interval are now
 * delivered together, and React draws them as one frame.
 */
export class RedrawThrottle {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastMs = 0;
  private readonly pending = new Set<() => void>();

  constructor(private readonly minIntervalMs: number) {}

  /** `onChange` is called at the next redraw (once, however often it was requested). */
  request(onChange: () => void): void {
    this.pending.add(onChange);
    if (this.timer !== null) return;
    const waitMs = Math.max(0, this.lastMs + this.minIntervalMs - Date.now());
    this.timer = setTimeout(this.redraw, waitMs);
  }

  /** Forgets `onChange` (its store was unsubscribed); no timer is left behind for nobody. */
  cancel(onChange: () => void): void {
    this.pending.delete(onChange);
    if (this.pending.size === 0 && this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private readonly redraw = (): void => {
    this.timer = null;
    this.lastMs = Date.now();
    const due = [...this.pending];
    this.pending.clear();
    for (const onChange of due) onChange();
  };
}

/** A RedrawThrottle for one view, kept across its renders. */
export function useRedrawThrottle(minIntervalMs = MIN_RENDER_INTERVAL_MS): RedrawThrottle {
  return useMemo(() => new RedrawThrottle(minIntervalMs), [minIntervalMs]);
}

/** The store's current snapshot; its change signals redraw the view through `throttle`. */
export function useStore<T>(store: Store<T>, throttle: RedrawThrottle): T {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const unsubscribe = store.subscribe(() => throttle.request(onChange));
      return () => {
        throttle.cancel(onChange);
        unsubscribe();
      };
    },
    [store, throttle],
  );
  const getSnapshot = useCallback(() => store.getSnapshot(), [store]);
  return useSyncExternalStore(subscribe, getSnapshot);
}

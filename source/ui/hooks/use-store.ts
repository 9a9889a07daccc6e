import { useCallback, useSyncExternalStore } from 'react';

/** Anything with an immutable snapshot and a change signal: the engines and the logger. */
export interface Store<T> {
  getSnapshot(): T;
  subscribe(listener: () => void): () => void;
}

/** Re-render at most this often, however busy the engine: the screen never slows it down. */
const MIN_RENDER_INTERVAL_MS = 100;

/**
 * The store's current snapshot. Change signals are throttled to one re-render per
 * `minIntervalMs` (100 ms unless given): the first change after a quiet spell is drawn at once,
 * a burst once per interval, and the last change always.
 */
export function useStore<T>(store: Store<T>, minIntervalMs = MIN_RENDER_INTERVAL_MS): T {
  const subscribe = useCallback(
    (onChange: () => void) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      let lastMs = 0;
      const unsubscribe = store.subscribe(() => {
        if (timer !== null) return;
        const waitMs = Math.max(0, lastMs + minIntervalMs - Date.now());
        timer = setTimeout(() => {
          timer = null;
          lastMs = Date.now();
          onChange();
        }, waitMs);
      });
      return () => {
        if (timer !== null) clearTimeout(timer);
        unsubscribe();
      };
    },
    [store, minIntervalMs],
  );
  const getSnapshot = useCallback(() => store.getSnapshot(), [store]);
  return useSyncExternalStore(subscribe, getSnapshot);
}

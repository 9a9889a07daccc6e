/**
 * Picks the store a tracker runs on: Redis for a redis:// URL, the embedded one otherwise. Each
 * store's driver is loaded only when chosen: ioredis alone costs ~200 ms of start-up CPU and lmdb
 * ~90 ms on this project's VM, which a tracker on the other store never needs.
 */
import type { Clock } from '../../clock.ts';
import type { TrackerStore } from './tracker-store.ts';

/** Where the state lives and how the store reports. */
export interface StoreChoice {
  dbDir: string;
  /** redis://HOST:PORT: a store shared with other trackers. */
  storeUrl?: string;
  /** This tracker's `host:port` (names its changes in a shared store). */
  trackerId: string;
  clock: Clock;
  batchDelayMs?: number;
  onProblem?: (text: string) => void;
}

/** A store, not yet loaded. */
export async function openTrackerStore(choice: StoreChoice): Promise<TrackerStore> {
  if (choice.storeUrl) {
    const { RedisStore } = await import('./redis-store.ts');
    return new RedisStore({
      url: choice.storeUrl,
      clock: choice.clock,
      trackerId: choice.trackerId,
      onProblem: choice.onProblem,
    });
  }
  const { LmdbStore } = await import('./lmdb-store.ts');
  return new LmdbStore({
    dbDir: choice.dbDir,
    clock: choice.clock,
    batchDelayMs: choice.batchDelayMs,
    onProblem: choice.onProblem,
  });
}

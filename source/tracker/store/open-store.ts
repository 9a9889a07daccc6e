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
  /** The tracker's: a shared store must know it is out well within it (see RedisStore). */
  sweepIntervalMs?: number;
}

/**
 * A quarter of the sweep period, 3 s at most: a node heartbeats every 0.9 sweep periods and is
 * dropped after two, so an outage must be known within ~1.1 of them, the sweep's own quarter
 * period and a PING's third on top. A slow answer taken for an outage only postpones drops.
 */
export function unansweredMsFor(sweepIntervalMs: number): number {
  return Math.max(100, Math.min(3_000, Math.floor(sweepIntervalMs / 4)));
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
      ...(choice.sweepIntervalMs === undefined
        ? {}
        : { unansweredMs: unansweredMsFor(choice.sweepIntervalMs) }),
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

/** Picks the store a tracker runs on: Redis for a redis:// URL, the embedded one otherwise. */
import type { Clock } from '../../clock.ts';
import { LmdbStore } from './lmdb-store.ts';
import { RedisStore } from './redis-store.ts';
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

/** Why a --store value is not a store, or null. */
export function storeUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `--store must be a URL such as redis://127.0.0.1:6379 (got "${url}")`;
  }
  if (parsed.protocol !== 'redis:') {
    return `--store supports redis://HOST:PORT only (got "${url}"); without --store the tracker keeps its swarm in --db`;
  }
  if (!parsed.hostname) return `--store needs a host: redis://HOST:PORT (got "${url}")`;
  return null;
}

/** A store, not yet loaded. */
export function openTrackerStore(choice: StoreChoice): TrackerStore {
  if (choice.storeUrl) {
    return new RedisStore({
      url: choice.storeUrl,
      clock: choice.clock,
      trackerId: choice.trackerId,
      onProblem: choice.onProblem,
    });
  }
  return new LmdbStore({
    dbDir: choice.dbDir,
    clock: choice.clock,
    batchDelayMs: choice.batchDelayMs,
    onProblem: choice.onProblem,
  });
}

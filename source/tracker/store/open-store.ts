/** Picks the store a tracker runs on: Redis for a redis:// URL, the embedded one otherwise. */
import type { Clock } from '../../clock.ts';
import { LmdbStore } from './lmdb-store.ts';
import type { TrackerStore } from './tracker-store.ts';

/** Where the state lives and how the store reports. */
export interface StoreChoice {
  dbDir: string;
  storeUrl?: string;
  clock: Clock;
  batchDelayMs?: number;
  onProblem?: (text: string) => void;
}

/** A store, not yet loaded. */
export function openTrackerStore(choice: StoreChoice): TrackerStore {
  return new LmdbStore({
    dbDir: choice.dbDir,
    clock: choice.clock,
    batchDelayMs: choice.batchDelayMs,
    onProblem: choice.onProblem,
  });
}

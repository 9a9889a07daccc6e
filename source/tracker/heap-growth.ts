import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived its last full collection before
 * it collects again, for a tracker process.
 */
export const TRACKER_HEAP_GROWING_PERCENT = 50;

/**
 * Why: by default V8 picks that growth itself, from 1.1x up to 4x, by how fast it collects
 * against how fast the program allocates. A tracker's live heap at 100,000 nodes is ~100 MiB
 * (heap snapshots), yet two trackers over Redis grew their old generations to 210-245 MiB,
 * nearly all of it garbage, and peaked at 368-482 MiB of RSS each.
 * Measured with bench/tracker-scale.ts at 100,000 nodes on the 2-core EPYC VM, 2026-12-03,
 * generators on schedule: at 50 % the Redis trackers peaked at 257-267 MiB each, against
 * 368-475 without (interleaved pairs among the runs). The LMDB tracker, which makes less
 * garbage, peaked at 277-286 MiB with it and 279-303 without. At 30 % the peaks were ~10 MiB
 * lower, with more full collections on two busy cores.
 * The flag is read at each collection, so setting it after start-up works; only a tracker
 * process sets it (a peer's heap is small and collected on its own schedule).
 */
export function limitTrackerHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${TRACKER_HEAP_GROWING_PERCENT}`);
}

import { type FailoverFigures, mergeFailoverFigures } from './failover-figures.ts';
import type { WindowFigures } from './window-figures.ts';

/** What the measured window saw, printed as JSON at the end. */
export interface LoadResult extends WindowFigures {
  nodes: number;
  registered: number;
  heartbeatIntervalMs: number;
  measureSeconds: number;
  /** When the window began (epoch ms; the earliest generator's when merged). */
  windowStartEpochMs: number;
  /** The generator's own CPU (user + system) over the window, seconds. */
  cpuSeconds: number;
  rampSeconds: number;
  rampTimedOut: number;
  /** A generator given several trackers: what it saw of a kill (none noticed: no kill). */
  failover?: FailoverFigures;
}

/** The figures of several generators sharing one swarm, as if one had simulated every node. */
export function mergeLoadResults(results: LoadResult[]): LoadResult {
  const sumOf = (pick: (result: LoadResult) => number) =>
    results.reduce((sum, result) => sum + pick(result), 0);
  const addCounts = (pick: (result: LoadResult) => Record<string, number>) => {
    const total: Record<string, number> = {};
    for (const result of results) {
      for (const [key, count] of Object.entries(pick(result)))
        total[key] = (total[key] ?? 0) + count;
    }
    return total;
  };
  const addHistograms = (pick: (result: LoadResult) => number[]) =>
    results[0]
      ? pick(results[0]).map((_, index) => sumOf((result) => pick(result)[index] ?? 0))
      : [];
  const maxima = results.map((result) => result.latencyMaxMs ?? 0);
  const failovers = results.flatMap((result) => (result.failover ? [result.failover] : []));
  return {
    nodes: sumOf((result) => result.nodes),
    registered: sumOf((result) => result.registered),
    heartbeatIntervalMs: results[0]?.heartbeatIntervalMs ?? 0,
    // Windows of generators started together: their mean length is the window.
    measureSeconds: sumOf((result) => result.measureSeconds) / Math.max(1, results.length),
    windowStartEpochMs: Math.min(...results.map((result) => result.windowStartEpochMs)),
    cpuSeconds: sumOf((result) => result.cpuSeconds),
    sent: sumOf((result) => result.sent),
    answered: sumOf((result) => result.answered),
    timedOut: sumOf((result) => result.timedOut),
    errors: addCounts((result) => result.errors),
    byType: addCounts((result) => result.byType),
    latencyHistogram: addHistograms((result) => result.latencyHistogram),
    needLatencyHistogram: addHistograms((result) => result.needLatencyHistogram),
    latencyMaxMs: results.length === 0 ? null : Math.max(...maxima),
    rampSeconds: Math.max(...results.map((result) => result.rampSeconds)),
    rampTimedOut: sumOf((result) => result.rampTimedOut),
    ...(failovers.length > 0 ? { failover: mergeFailoverFigures(failovers) } : {}),
  };
}

/**
 * RSS and CPU of one process over a long run, sampled from /proc, and what a window of those
 * samples says: memory at its start and end, growth per hour (least-squares slope, so one GC
 * more or less at either end does not decide it) and the average share of a core.
 */
import { readCpuSeconds, readStatusBytes } from './proc-stats.ts';

/** One reading: when (ms since the bench started), resident memory, CPU seconds used so far. */
export interface SoakSample {
  atMs: number;
  rssBytes: number;
  cpuSeconds: number;
}

/** What one window of samples shows. */
export interface SoakWindow {
  minutes: number;
  rssStartBytes: number;
  rssEndBytes: number;
  rssPeakBytes: number;
  growthBytesPerHour: number;
  /** Average CPU over the window as a percentage of one core. */
  cpuPercent: number;
}

const HOUR_MS = 3_600_000;

/** Reads `pid` now; null when it is gone. */
export function sampleProcess(pid: number, atMs: number): SoakSample | null {
  const rssBytes = readStatusBytes(pid, 'VmRSS');
  const cpuSeconds = readCpuSeconds(pid);
  return rssBytes === null || cpuSeconds === null ? null : { atMs, rssBytes, cpuSeconds };
}

/** The samples from `fromMs` to `toMs` summed up; null with fewer than two samples. */
export function summarizeWindow(
  samples: readonly SoakSample[],
  fromMs: number,
  toMs: number,
): SoakWindow | null {
  const inside = samples.filter((sample) => sample.atMs >= fromMs && sample.atMs <= toMs);
  const first = inside[0];
  const last = inside.at(-1);
  if (first === undefined || last === undefined || last.atMs <= first.atMs) return null;
  const spanMs = last.atMs - first.atMs;
  return {
    minutes: spanMs / 60_000,
    rssStartBytes: first.rssBytes,
    rssEndBytes: last.rssBytes,
    rssPeakBytes: Math.max(...inside.map((sample) => sample.rssBytes)),
    growthBytesPerHour:
      slopePerMs(inside.map((sample) => [sample.atMs, sample.rssBytes])) * HOUR_MS,
    cpuPercent: ((last.cpuSeconds - first.cpuSeconds) * 1000 * 100) / spanMs,
  };
}

/** Least-squares slope of y over x. */
function slopePerMs(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const [x, y] of points) {
    covariance += (x - meanX) * (y - meanY);
    variance += (x - meanX) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}

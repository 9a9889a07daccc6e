/**
 * Reply latencies as a log histogram (1 % resolution): small, and several load generators'
 * histograms add up bucket by bucket into exact-to-1 % percentiles of the whole.
 */

/** Bucket i holds latencies up to LATENCY_BASE_MS * LATENCY_RATIO ** i. */
export const LATENCY_BASE_MS = 0.01;
export const LATENCY_RATIO = 1.01;
export const LATENCY_BUCKETS = 1_300; // 0.01 ms .. ~4 s at 1 % resolution

/** The bucket of a latency. */
export function latencyBucket(latencyMs: number): number {
  const index = Math.ceil(
    Math.log(Math.max(latencyMs, LATENCY_BASE_MS) / LATENCY_BASE_MS) / Math.log(LATENCY_RATIO),
  );
  return Math.min(LATENCY_BUCKETS - 1, index);
}

/** The upper bound of bucket `index` in ms. */
export function bucketUpperMs(index: number): number {
  return LATENCY_BASE_MS * LATENCY_RATIO ** index;
}

/** The latency below which `fraction` of a histogram's samples lie (bucket upper bound). */
export function histogramPercentile(histogram: number[], fraction: number): number | null {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.ceil(total * fraction);
  let seen = 0;
  for (let index = 0; index < histogram.length; index++) {
    seen += histogram[index] ?? 0;
    if (seen >= rank) return bucketUpperMs(index);
  }
  return null;
}

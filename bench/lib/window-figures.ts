/**
 * A load generator's figures of the measured window: requests first sent in it, their replies
 * (latency as a mergeable log histogram, see latency-histogram.ts) and those that got none.
 */
import type { Message } from '../../source/protocol/messages.ts';
import { LATENCY_BUCKETS, latencyBucket } from './latency-histogram.ts';

/** Counts of the window; part of LoadResult. */
export interface WindowFigures {
  sent: number;
  answered: number;
  timedOut: number;
  errors: Record<string, number>;
  /** Answered requests by type. */
  byType: Record<string, number>;
  latencyHistogram: number[];
  /** NEEDs alone: the search a download waits for, and the tracker's target (p99 < 5 ms). */
  needLatencyHistogram: number[];
  latencyMaxMs: number | null;
}

export function emptyWindowFigures(): WindowFigures {
  return {
    sent: 0,
    answered: 0,
    timedOut: 0,
    errors: {},
    byType: {},
    latencyHistogram: new Array<number>(LATENCY_BUCKETS).fill(0),
    needLatencyHistogram: new Array<number>(LATENCY_BUCKETS).fill(0),
    latencyMaxMs: null,
  };
}

/** Counts the reply to a window's request of type `type`, `latencyMs` after it was sent. */
export function countWindowReply(
  window: WindowFigures,
  type: string,
  reply: Message,
  latencyMs: number,
): void {
  window.answered++;
  window.byType[type] = (window.byType[type] ?? 0) + 1;
  const bucket = latencyBucket(latencyMs);
  window.latencyHistogram[bucket] = (window.latencyHistogram[bucket] ?? 0) + 1;
  if (type === 'need') {
    window.needLatencyHistogram[bucket] = (window.needLatencyHistogram[bucket] ?? 0) + 1;
  }
  window.latencyMaxMs = Math.max(window.latencyMaxMs ?? 0, latencyMs);
  if (reply.type === 'error') window.errors[reply.code] = (window.errors[reply.code] ?? 0) + 1;
}

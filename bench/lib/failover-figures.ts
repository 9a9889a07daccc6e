/**
 * What a load generator saw of a tracker being SIGKILLed (tracker-scale.ts --kill-one), printed
 * inside its RESULT line, and how several generators' figures add up.
 */

/** One generator's (or, merged, the whole swarm's) figures around the kill. */
export interface FailoverFigures {
  /** The killed tracker's port and the kill instant (epoch ms); null when no kill was noticed. */
  killedPort: number | null;
  killAtEpochMs: number | null;
  /** Nodes whose tracker was the killed one at the kill. */
  nodesOnKilled: number;
  /** For each of them that another tracker answered: ms from the kill to that first answer. */
  failoverMs: number[];
  /** Requests given up at one tracker (out of retries) since the kill. */
  timedOutSinceKill: number;
  /** Datagrams sent again to the same tracker after a timeout, since the kill. */
  retransmitsSinceKill: number;
  /** Requests sent on to the next tracker after one gave up on them, since the kill. */
  movedSinceKill: number;
  /** Longest first-send-to-answer time of a request that moved, ms. */
  movedLatencyMaxMs: number | null;
  /** Requests no tracker answered (given up at every one), since the kill. */
  unansweredSinceKill: number;
  /** 'reregister' answers since the kill (a shared session should make them 0). */
  reregisteredSinceKill: number;
  /** NEED replies since the kill, and those that did not list the owner asked about. */
  needsSinceKill: number;
  needsMissingOwnerSinceKill: number;
  /** Owner id -> bytes the acknowledged UPDATEs credit it, by the tracker's caps. */
  creditedBytes: Record<string, number>;
  /**
   * UPDATEs the killed tracker acknowledged in the last second before its death: the owner
   * credited and how long before the kill the acknowledgment was read (negative: just after,
   * it was sent before). A credit the store lacks is looked for here.
   */
  lateAcksOfKilled: { ownerId: number; msBeforeKill: number }[];
  updatesAcked: number;
  /**
   * UPDATEs no tracker acknowledged (given up everywhere, or still unanswered when the figures
   * were taken): a tracker may or may not have applied them.
   */
  updatesUnacknowledged: number;
}

/** Figures of a generator that saw no kill. */
export function emptyFailoverFigures(): FailoverFigures {
  return {
    killedPort: null,
    killAtEpochMs: null,
    nodesOnKilled: 0,
    failoverMs: [],
    timedOutSinceKill: 0,
    retransmitsSinceKill: 0,
    movedSinceKill: 0,
    movedLatencyMaxMs: null,
    unansweredSinceKill: 0,
    reregisteredSinceKill: 0,
    needsSinceKill: 0,
    needsMissingOwnerSinceKill: 0,
    creditedBytes: {},
    lateAcksOfKilled: [],
    updatesAcked: 0,
    updatesUnacknowledged: 0,
  };
}

type Count = {
  [K in keyof FailoverFigures]: FailoverFigures[K] extends number ? K : never;
}[keyof FailoverFigures];

const COUNTS: Count[] = [
  'nodesOnKilled',
  'timedOutSinceKill',
  'retransmitsSinceKill',
  'movedSinceKill',
  'unansweredSinceKill',
  'reregisteredSinceKill',
  'needsSinceKill',
  'needsMissingOwnerSinceKill',
  'updatesAcked',
  'updatesUnacknowledged',
];

/** Several generators' figures as one swarm's (the kill is the same for all). */
export function mergeFailoverFigures(all: FailoverFigures[]): FailoverFigures {
  const merged = emptyFailoverFigures();
  for (const figures of all) {
    merged.killedPort ??= figures.killedPort;
    merged.killAtEpochMs ??= figures.killAtEpochMs;
    for (const key of COUNTS) merged[key] += figures[key];
    merged.failoverMs.push(...figures.failoverMs);
    merged.lateAcksOfKilled.push(...figures.lateAcksOfKilled);
    if (figures.movedLatencyMaxMs !== null) {
      merged.movedLatencyMaxMs = Math.max(merged.movedLatencyMaxMs ?? 0, figures.movedLatencyMaxMs);
    }
    for (const [owner, bytes] of Object.entries(figures.creditedBytes)) {
      merged.creditedBytes[owner] = (merged.creditedBytes[owner] ?? 0) + bytes;
    }
  }
  return merged;
}

/**
 * A load generator's record of a tracker kill (see failover-figures.ts): which of its nodes used
 * the killed tracker, when each was first answered by another, what timed out, moved or was
 * asked to register again since, and the credits its acknowledged UPDATEs gave, capped as the
 * tracker caps them, so the bench can hold them against what the shared store ends up with.
 */
import type { TrackerChoice } from '../../source/peer/tracker-choice.ts';
import type { Credit } from '../../source/protocol/messages.ts';
import { emptyFailoverFigures, type FailoverFigures } from './failover-figures.ts';
import { epochNowMs, type KillNotice, readKillNotice } from './kill-notice.ts';

/** Acknowledgments of the killed tracker this close to its death are listed (lateAcksOfKilled). */
const LATE_ACK_WINDOW_MS = 1_000;

/** A node's place in the failover (0, the array's fill: it did not use the killed tracker). */
const ON_KILLED = 1;
const ANSWERED_ELSEWHERE = 2;

/** Counts and per-node state of one generator around a kill. */
export class FailoverRecorder {
  private notice: KillNotice | null = null;
  private readonly figures = emptyFailoverFigures();
  /** Per node (by offset from firstId): 0, ON_KILLED or ANSWERED_ELSEWHERE. */
  private readonly placeOf: Uint8Array;
  private waitingForFailover = 0;
  private retransmitsAtKill: number | null = null;
  /** Bytes credited so far per (reporting host, infohash): each simulated node is a host. */
  private readonly givenBytes = new Map<string, number>();

  constructor(
    private readonly firstId: number,
    nodeCount: number,
    /** Where the notice will appear; null: this run kills nothing. */
    private readonly noticePath: string | null,
  ) {
    this.placeOf = new Uint8Array(nodeCount);
  }

  /** True once every node that used the killed tracker has been answered by another. */
  get everyNodeFailedOver(): boolean {
    return this.notice !== null && this.waitingForFailover === 0;
  }

  /** The kill, once announced. */
  get kill(): KillNotice | null {
    return this.notice;
  }

  /**
   * Looks for the notice (cheap; called every 100 ms). It comes before the kill, so the nodes
   * whose tracker is the doomed one now are those that use it when it dies: a node leaves a
   * tracker only after it stopped answering for seconds. `retransmits`: the table's count.
   */
  poll(trackersOf: readonly TrackerChoice[], retransmits: number): void {
    if (this.noticePath === null) return;
    if (this.notice === null) {
      const notice = readKillNotice(this.noticePath);
      if (notice === null) return;
      this.notice = notice;
      this.figures.killedPort = notice.killedPort;
      this.figures.killAtEpochMs = notice.killAtEpochMs;
      trackersOf.forEach((trackers, offset) => {
        if (trackers.current.port !== notice.killedPort) return;
        this.placeOf[offset] = ON_KILLED;
        this.waitingForFailover++;
      });
      this.figures.nodesOnKilled = this.waitingForFailover;
    }
    if (this.retransmitsAtKill === null && this.sinceKill()) this.retransmitsAtKill = retransmits;
  }

  /** A reply from `port` reached node `nodeId`. */
  answered(nodeId: number, port: number): void {
    const offset = nodeId - this.firstId;
    if (this.placeOf[offset] !== ON_KILLED || port === this.notice!.killedPort) return;
    const nowMs = epochNowMs();
    if (nowMs < this.notice!.killAtEpochMs) return;
    this.figures.failoverMs.push(Math.round(nowMs - this.notice!.killAtEpochMs));
    this.placeOf[offset] = ANSWERED_ELSEWHERE;
    this.waitingForFailover--;
  }

  /** A request was given up at one tracker. */
  timedOut(): void {
    if (this.sinceKill()) this.figures.timedOutSinceKill++;
  }

  /** A request was sent on to the next tracker. */
  moved(): void {
    if (this.sinceKill()) this.figures.movedSinceKill++;
  }

  /** A request that moved was answered, `latencyMs` after it was first sent. */
  movedAnswered(latencyMs: number): void {
    this.figures.movedLatencyMaxMs = Math.max(this.figures.movedLatencyMaxMs ?? 0, latencyMs);
  }

  /** No tracker answered a request. */
  unanswered(): void {
    if (this.sinceKill()) this.figures.unansweredSinceKill++;
  }

  reregistered(): void {
    if (this.sinceKill()) this.figures.reregisteredSinceKill++;
  }

  /** A NEED for another node's file was answered; `listed`: that node was among the owners. */
  needAnswered(listed: boolean): void {
    if (!this.sinceKill()) return;
    this.figures.needsSinceKill++;
    if (!listed) this.figures.needsMissingOwnerSinceKill++;
  }

  /**
   * An UPDATE was acknowledged: its credits as the tracker grants them (credit-ledger.ts): never
   * to the sender, at most the file's size per owner, and at most the file's size in total per
   * (reporting host, file) however many UPDATEs. Owners are assumed registered and owning,
   * which the bench checks separately (no node lost, all registered before the window).
   */
  updateAcked(
    senderId: number,
    infohashHex: string,
    fileSizeBytes: number,
    credits: readonly Credit[],
    port: number,
  ): void {
    this.figures.updatesAcked++;
    this.noteLateAck(port, credits);
    const pairKey = `${senderId}|${infohashHex}`;
    let givenSoFar = this.givenBytes.get(pairKey) ?? 0;
    for (const credit of credits) {
      if (credit.nodeId === senderId) continue;
      const bytes = Math.min(credit.bytes, fileSizeBytes, fileSizeBytes - givenSoFar);
      if (!(bytes > 0)) continue;
      givenSoFar += bytes;
      const owner = String(credit.nodeId);
      this.figures.creditedBytes[owner] = (this.figures.creditedBytes[owner] ?? 0) + bytes;
    }
    this.givenBytes.set(pairKey, givenSoFar);
  }

  /**
   * Lists an acknowledgment by the killed tracker shortly before its death. One received after
   * the kill instant (negative ms) was sent just before it: the generator reads it a little later.
   */
  private noteLateAck(port: number, credits: readonly Credit[]): void {
    if (this.notice === null || port !== this.notice.killedPort) return;
    const msBeforeKill = this.notice.killAtEpochMs - epochNowMs();
    if (msBeforeKill > LATE_ACK_WINDOW_MS) return;
    for (const credit of credits) {
      this.figures.lateAcksOfKilled.push({ ownerId: credit.nodeId, msBeforeKill });
    }
  }

  /** An UPDATE no tracker acknowledged. */
  updateUnacknowledged(): void {
    this.figures.updatesUnacknowledged++;
  }

  /**
   * The figures so far; `retransmits`: the table's count now; `updatesInFlight`: UPDATEs still
   * waiting for an answer (or for their node to register again), unacknowledged so far.
   */
  result(retransmits: number, updatesInFlight: number): FailoverFigures {
    const since = this.retransmitsAtKill;
    return {
      ...this.figures,
      retransmitsSinceKill: since === null ? 0 : retransmits - since,
      updatesUnacknowledged: this.figures.updatesUnacknowledged + updatesInFlight,
    };
  }

  private sinceKill(): boolean {
    return this.notice !== null && epochNowMs() >= this.notice.killAtEpochMs;
  }
}

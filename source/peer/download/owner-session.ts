import { DOUBLE_ZERO, settleDoubleZeros } from '../../double-zero.ts';
import type { RemoteAddress } from '../../net/transport.ts';
import { Bitfield } from './bitfield.ts';
import { RttEstimator } from './rtt-estimator.ts';

export type OwnerState = 'connecting' | 'active' | 'slow' | 'dead' | 'banned';

export interface WindowLimits {
  minWindowBlocks: number;
  initialWindowBlocks: number;
  maxWindowBlocks: number;
  minBlockTimeoutMs: number;
  maxBlockTimeoutMs: number;
}

/** Failed single-owner pieces before an owner is banned from this download. */
export const STRIKES_TO_BAN = 3;

/**
 * Pieces a complete owner declined ('elsewhere': it gave them to another peer moments ago) are
 * not asked of it again for this long after its first refusal; by then the other peer has them.
 */
export const DECLINES_REMEMBERED_MS = 1_000;

/**
 * One owner as seen by one download: its address and cookie, what it has (all, or a partial
 * owner's bitfield), its request window (grows while blocks arrive, halves on loss, like TCP's
 * AIMD), its RTT, and what it has delivered.
 */
export class OwnerSession {
  state: OwnerState = 'connecting';
  /** Why the owner is slow, dead or banned, for the screen. */
  reason = '';
  cookie: Buffer | null = null;
  readonly rtt: RttEstimator;
  /** Fractional congestion window in blocks; requests in flight stay below it. */
  windowBlocks: number;
  private slowStartThreshold: number;
  inFlightBlocks = 0;
  /** Every block requested of this owner gets the next number, in the order it will be sent. */
  nextRequestSeq = 0;
  /** Highest request number this owner has answered: anything well below it and missing is lost. */
  highestAnsweredSeq = -1;
  /** Pieces this owner is currently assigned. */
  readonly pieces = new Set<number>();
  strikes = 0;
  bytesDelivered = DOUBLE_ZERO;
  /** Blocks of this owner whose datagram checksum failed, since its last strike for them. */
  damagedBlocks = 0;
  /** Bytes of pieces that passed verification, credited to this owner at the end. */
  verifiedBytes = DOUBLE_ZERO;
  /** Pieces this owner delivered most of (sized once the metainfo is known). */
  deliveredPieces = new Bitfield(0);
  /**
   * What a partial owner can serve (from its BITFIELD, then HAVEs); null for a complete owner.
   * Sized once the metainfo is known; empty until its BITFIELD arrives.
   */
  has: Bitfield | null;
  /**
   * The pieces its latest BITFIELD claimed: a reply matched by txid and address, so a refusal
   * of one of these is the owner's own lie (HAVEs can be forged by anyone; they are not here).
   */
  attested: Bitfield | null = null;
  /**
   * A complete owner's pieces less those it declined lately; null while it declined none.
   * What the picker offers it instead of `has` (see offer()).
   */
  private notDeclined: Bitfield | null = null;
  private firstDeclineAtMs = Number.NEGATIVE_INFINITY;
  /** This owner's pieces are counted in the picker's availability (it is reachable). */
  countedInAvailability = false;
  /** When its BITFIELD was last asked for (asked again now and then: it also renews HAVEs). */
  bitfieldAskedAtMs = Number.NEGATIVE_INFINITY;
  lastDataAtMs: number;
  /** No requests before this time (after 'busy' or while dead, before the next probe). */
  quietUntilMs = DOUBLE_ZERO;
  consecutiveBusy = 0;
  /** Its latest refusal (choked, busy): an owner that refuses is alive, not silent. */
  lastRefusedAtMs = Number.NEGATIVE_INFINITY;
  /** Loss reacts at most once per round trip, as one congestion event. */
  private lastLossAtMs = Number.NEGATIVE_INFINITY;
  private lastBackoffAtMs = Number.NEGATIVE_INFINITY;
  rateBytesPerSec = DOUBLE_ZERO;
  private rateBytesAtLastSample = DOUBLE_ZERO;

  constructor(
    /** Its name within the download: blocks and pieces refer to it by this id. */
    readonly nodeId: number,
    public address: RemoteAddress,
    private readonly limits: WindowLimits,
    nowMs: number,
    /** False for a partial owner: a downloader that serves the pieces it has verified. */
    public complete = true,
  ) {
    this.has = complete ? null : new Bitfield(0);
    this.rtt = new RttEstimator(limits.minBlockTimeoutMs, limits.maxBlockTimeoutMs);
    this.windowBlocks = limits.initialWindowBlocks;
    this.slowStartThreshold = limits.maxWindowBlocks;
    this.lastDataAtMs = nowMs;
    settleDoubleZeros(this, 'bytesDelivered', 'verifiedBytes', 'quietUntilMs', 'rateBytesPerSec');
  }

  /**
   * The pieces to ask this owner for: a partial owner's bitfield, or for a complete owner null
   * (every piece) unless it declined some lately.
   */
  offer(nowMs: number): Bitfield | null {
    if (this.has !== null) return this.has;
    if (this.notDeclined !== null && nowMs - this.firstDeclineAtMs >= DECLINES_REMEMBERED_MS) {
      this.notDeclined = null;
    }
    return this.notDeclined;
  }

  /** May this owner be asked for `piece` now? */
  offers(piece: number, nowMs: number): boolean {
    const offered = this.offer(nowMs);
    return offered === null || offered.has(piece);
  }

  /** A complete owner declined a piece ('elsewhere'): ask it for others for a while. */
  decline(piece: number, pieceCount: number, nowMs: number): void {
    if (this.has !== null) return;
    if (this.offer(nowMs) === null) {
      this.notDeclined = Bitfield.all(pieceCount);
      this.firstDeclineAtMs = nowMs;
    }
    this.notDeclined!.delete(piece);
  }

  /**
   * Banned: what it claimed to have is of no further use. A download keeps every owner it met
   * (so a flood of liars stays excluded), so a banned one keeps only what the view shows.
   */
  forgetClaims(): void {
    if (this.has !== null) this.has = new Bitfield(0);
    this.attested = null;
    this.notDeclined = null;
  }

  /** Requests may go to this owner now. */
  usable(nowMs: number): boolean {
    return (this.state === 'active' || this.state === 'slow') && nowMs >= this.quietUntilMs;
  }

  /** Free room in the window, in whole blocks. */
  freeWindow(cap: number): number {
    const window =
      this.state === 'slow' ? this.limits.minWindowBlocks : Math.min(this.windowBlocks, cap);
    return Math.max(0, Math.floor(window) - this.inFlightBlocks);
  }

  onBlock(nowMs: number): void {
    this.lastDataAtMs = nowMs;
    this.consecutiveBusy = 0;
    if (this.windowBlocks < this.slowStartThreshold) this.windowBlocks += 1;
    else this.windowBlocks += 1 / this.windowBlocks;
    if (this.windowBlocks > this.limits.maxWindowBlocks)
      this.windowBlocks = this.limits.maxWindowBlocks;
  }

  /**
   * A block found lost because later ones from this owner arrived (fast retransmit): random
   * loss, not a stalled owner. The window gives up an eighth, once per round trip, and the
   * retransmission timer is not backed off, so steady loss does not collapse the transfer.
   */
  onFastLoss(nowMs: number): void {
    if (nowMs - this.lastLossAtMs < this.rtt.smoothedRttMs) return;
    this.lastLossAtMs = nowMs;
    this.windowBlocks = Math.max(this.limits.minWindowBlocks, this.windowBlocks * 0.875);
    this.slowStartThreshold = this.windowBlocks;
  }

  onLoss(nowMs: number): void {
    // Blocks that time out together are one expiry of the retransmission timer (RFC 6298 5.5):
    // back off once per timeout period, not once per block, or one lost REQUEST of 16 blocks
    // would push the timeout to its cap and a lossy tail would crawl at one retry per 2 s.
    if (nowMs - this.lastBackoffAtMs >= this.rtt.timeoutMs) {
      this.lastBackoffAtMs = nowMs;
      this.rtt.onTimeout();
    }
    if (nowMs - this.lastLossAtMs < this.rtt.smoothedRttMs) return;
    this.lastLossAtMs = nowMs;
    this.windowBlocks = Math.max(this.limits.minWindowBlocks, this.windowBlocks / 2);
    this.slowStartThreshold = this.windowBlocks;
  }

  /** Updates the delivery rate; called by the download's once-a-second bookkeeping. */
  sampleRate(intervalMs: number): void {
    const bytes = this.bytesDelivered - this.rateBytesAtLastSample;
    this.rateBytesAtLastSample = this.bytesDelivered;
    const instant = (bytes * 1000) / intervalMs;
    this.rateBytesPerSec =
      this.rateBytesPerSec === 0 ? instant : 0.5 * this.rateBytesPerSec + 0.5 * instant;
  }
}

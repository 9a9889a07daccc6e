import { DOUBLE_ZERO, settleDoubleZeros } from '../../double-zero.ts';
import type { RemoteAddress } from '../../net/transport.ts';
import type { LinkUser, PeerLink } from '../peer-link.ts';
import { Bitfield } from './bitfield.ts';
import { RateWindow } from './rate-window.ts';

export type OwnerState = 'connecting' | 'active' | 'slow' | 'dead' | 'banned';

/** Failed single-owner pieces before an owner is banned from this download. */
export const STRIKES_TO_BAN = 3;

/**
 * Pieces a complete owner declined ('elsewhere': it gave them to another peer moments ago) are
 * not asked of it again for this long after its first refusal; by then the other peer has them.
 */
export const DECLINES_REMEMBERED_MS = 1_000;
/**
 * ...and this long while the download has nothing in flight at all: it waits on nothing else,
 * and the owner serves a piece asked for again half a second after its first refusal (see
 * ASKED_AGAIN_MS in first-copies.ts), when the peer that got it passed nothing on.
 */
export const STALLED_DECLINES_REMEMBERED_MS = 250;

/**
 * REQUESTs remembered per owner: a whole window's worth even of one-block runs (the window is at
 * most 256 blocks), so a reply or refusal answering one still in flight is matched.
 */
const RECENT_REQUESTS = 256;
/** Owners rated below this share of the best one are snubbed (few requests, no new pieces). */
const SLOW_SHARE = 1 / 8;
/**
 * An owner is judged slow only this long after it was put in use: its first samples hold the
 * round trips before its first blocks, and owners met 0.3 s after the others were called `slow
 * (0 B/s while the best owner does 885.5 KiB/s)` (found by a session).
 */
export const SLOW_JUDGED_AFTER_MS = 1_000;

/**
 * One owner as seen by one download: what it has of this file (all, or a partial owner's
 * bitfield), what this download asked of it and got from it, and how this download judges it
 * (slow, dead, banned). Where it is, its cookie, round trip and request window belong to its
 * PeerLink, which every download fetching from that node shares.
 */
export class OwnerSession implements LinkUser {
  state: OwnerState = 'connecting';
  /** Why the owner is slow, dead or banned, for the screen. */
  reason = '';
  /** Blocks this download asked of it and has not yet had or given up (the link counts all). */
  private inFlight = 0;
  /** When this download last found the link's window full while below its share. */
  starvedAtMs = Number.NEGATIVE_INFINITY;
  /** What asks this owner again once room is freed, while this download waits for its share. */
  private waitingForRoom: ((owner: OwnerSession) => void) | null = null;
  /** Every block requested of this owner gets the next number, in the order it will be sent. */
  nextRequestSeq = 0;
  /**
   * The txids of the latest REQUESTs sent to it (a ring; -1 unused). A REJECT of a block request,
   * or DATA for a block asked of it in endgame, counts only with one of them: neither is a reply
   * the endpoint matches, and both were forged with the owner's address until 2026-12-07.
   */
  private readonly requestTxids = new Float64Array(RECENT_REQUESTS).fill(-1);
  private requestTxidsNext = 0;
  /** Highest request number this owner has answered: anything well below it and missing is lost. */
  highestAnsweredSeq = -1;
  /** Pieces this owner is currently assigned. */
  readonly pieces = new Set<number>();
  strikes = 0;
  bytesDelivered = DOUBLE_ZERO;
  /** Blocks of this owner whose datagram checksum failed, since its last strike for them. */
  damagedBlocks = 0;
  /** Blocks of this owner whose datagram checksum failed, in all. */
  damagedBlocksInAll = 0;
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
  /**
   * The txids of the latest two BITFIELD requests to it (-1 unused): its HAVEs echo the latest
   * it had, and one may cross a newer request on the way.
   */
  readonly bitfieldTxids = [-1, -1];
  lastDataAtMs: number;
  /** When it last answered HELLO and was put in use: its rate means something some time after. */
  inUseSinceMs: number;
  /** Its latest refusal (choked, busy): an owner that refuses is alive, not silent. */
  lastRefusedAtMs = Number.NEGATIVE_INFINITY;
  /**
   * When it was first asked for blocks after it was last heard (DATA or a refusal): its silence
   * counts from then at the earliest. Counted from its last DATA, an owner asked nothing for
   * seconds (a download at its limit, other owners faster) was dead at the first housekeeping
   * after a request: `silent for 3.4 s` 0.4 s after it was asked (found by a session). Blocks
   * that time out leave it as it is: a dead owner asked again is still silent since then.
   */
  waitedOnSinceMs = Number.NEGATIVE_INFINITY;
  /**
   * Its blocks given up on for its silence (timed out) since it last delivered: told to the
   * downlink pacer as losses once it delivers again, forgotten if it is found dead (see
   * BlockTransfer.expired).
   */
  readonly silentLosses = { blocks: 0, bytes: 0 };
  /** Its delivery rate as the download judges it (slow, reciprocity): a decaying average. */
  rateBytesPerSec = DOUBLE_ZERO;
  private rateBytesAtLastSample = DOUBLE_ZERO;
  /** Its delivery rate as its row shows it (see RateWindow), and the samples it comes from. */
  shownRateBytesPerSec = DOUBLE_ZERO;
  private readonly shownRate = new RateWindow();
  /** Its DATA arrived in the batch being handled: its download pumps it at the batch's end. */
  pumpDue = false;

  constructor(
    /** The node, shared with the node's other downloads; its id names it within this one. */
    readonly link: PeerLink,
    /** An owner judged slow gets at most this many blocks in flight from this download. */
    private readonly slowWindowBlocks: number,
    nowMs: number,
    /** False for a partial owner: a downloader that serves the pieces it has verified. */
    public complete = true,
  ) {
    this.has = complete ? null : new Bitfield(0);
    this.lastDataAtMs = nowMs;
    this.inUseSinceMs = nowMs;
    this.shownRate.sample(nowMs, 0);
    link.join(this);
    settleDoubleZeros(
      this,
      'bytesDelivered',
      'verifiedBytes',
      'rateBytesPerSec',
      'shownRateBytesPerSec',
    );
  }

  /** Its name within the download: blocks and pieces refer to it by this id. */
  get nodeId(): number {
    return this.link.nodeId;
  }

  get address(): RemoteAddress {
    return this.link.address;
  }

  get inFlightBlocks(): number {
    return this.inFlight;
  }

  /** A REQUEST went to it with `txid`. */
  requested(txid: number): void {
    this.requestTxids[this.requestTxidsNext] = txid;
    this.requestTxidsNext = (this.requestTxidsNext + 1) % RECENT_REQUESTS;
  }

  /** Whether `txid` is that of one of the latest REQUESTs sent to it. */
  wasSent(txid: number): boolean {
    return this.requestTxids.includes(txid);
  }

  /** How long it has sent nothing (DATA, a refusal) while asked: the silence rule's measure. */
  silentForMs(nowMs: number): number {
    return Math.max(
      0,
      nowMs - Math.max(this.lastDataAtMs, this.lastRefusedAtMs, this.waitedOnSinceMs),
    );
  }

  /** `count` blocks were asked of it at `nowMs`. */
  asked(count: number, nowMs: number): void {
    if (this.waitedOnSinceMs < Math.max(this.lastDataAtMs, this.lastRefusedAtMs))
      this.waitedOnSinceMs = nowMs;
    this.inFlight += count;
    this.link.inFlightBlocks += count;
  }

  /** One block asked of it is no longer in flight (it arrived, was lost, or was refused). */
  settled(): void {
    this.inFlight--;
    this.link.inFlightBlocks--;
    if (this.link.userCount > 1) this.link.roomFreed(this);
  }

  /** Nothing this download asked of it is in flight any more. */
  forgetInFlight(): void {
    this.link.inFlightBlocks -= this.inFlight;
    this.inFlight = 0;
    if (this.link.userCount > 1) this.link.roomFreed(this);
  }

  get wantsRoom(): boolean {
    return this.waitingForRoom !== null;
  }

  /** Room this download claimed is free (another download's block left the window). */
  wake(): void {
    const ask = this.waitingForRoom;
    this.waitingForRoom = null;
    ask?.(this);
  }

  /**
   * The pieces to ask this owner for: a partial owner's bitfield, or for a complete owner null
   * (every piece) unless it declined some lately; `stalled`: the download has nothing in flight
   * (STALLED_DECLINES_REMEMBERED_MS).
   */
  offer(nowMs: number, stalled = false): Bitfield | null {
    if (this.has !== null) return this.has;
    const rememberedMs = stalled ? STALLED_DECLINES_REMEMBERED_MS : DECLINES_REMEMBERED_MS;
    if (this.notDeclined !== null && nowMs - this.firstDeclineAtMs >= rememberedMs) {
      this.notDeclined = null;
    }
    return this.notDeclined;
  }

  /** May this owner be asked for `piece` now? (`stalled`: see offer.) */
  offers(piece: number, nowMs: number, stalled = false): boolean {
    const offered = this.offer(nowMs, stalled);
    return offered === null || offered.has(piece);
  }

  /** True while it declined pieces lately that it is not asked for again yet. */
  get declining(): boolean {
    return this.notDeclined !== null;
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
    return (this.state === 'active' || this.state === 'slow') && this.link.state(nowMs) === 'ready';
  }

  /**
   * Free room for this download in the link's window, in whole blocks: other downloads' blocks
   * count against it, and while they use the link too this one keeps to its share (see
   * PeerLink.shareOf). A slow owner gets no more than a few blocks from this download. Short
   * of its share, `askAgain` is called once the others free room.
   */
  freeWindow(cap: number, nowMs: number, askAgain: (owner: OwnerSession) => void): number {
    const share = this.link.shareOf(this, cap, nowMs);
    let own = share - this.inFlight;
    if (this.state === 'slow') own = Math.min(own, this.slowWindowBlocks - this.inFlight);
    const free = this.link.freeWindow(cap);
    // The others hold room this download's share allows it: claim the share, so that they keep
    // to theirs at their next refill, and ask again as soon as they free some.
    if (free < own) {
      this.starvedAtMs = nowMs;
      this.waitingForRoom = askAgain;
    } else {
      this.waitingForRoom = null;
    }
    return Math.max(0, Math.min(free, own));
  }

  /** This download no longer fetches from the node (it ended). */
  leaveLink(): void {
    this.forgetInFlight();
    this.link.leave(this);
  }

  /** A block it was asked for arrived. */
  onBlock(nowMs: number): void {
    this.lastDataAtMs = nowMs;
    this.link.onBlock();
  }

  /**
   * An owner in use whose rate is under SLOW_SHARE of the best owner's while it has requests out
   * is slow (it gets few requests and no new pieces). Only a complete owner is compared: a
   * partial owner's rate is bounded by the pieces it has to offer, not by how well it serves.
   */
  slowBeside(bestRateBytesPerSec: number, nowMs: number): boolean {
    return (
      this.state === 'active' &&
      this.has === null &&
      nowMs - this.inUseSinceMs >= SLOW_JUDGED_AFTER_MS &&
      bestRateBytesPerSec > 0 &&
      this.rateBytesPerSec < bestRateBytesPerSec * SLOW_SHARE &&
      this.inFlight > 0
    );
  }

  /** A slow owner back at twice the share that made it slow is used as any other again. */
  fastAgainBeside(bestRateBytesPerSec: number): boolean {
    return this.rateBytesPerSec >= bestRateBytesPerSec * SLOW_SHARE * 2;
  }

  /**
   * Updates the delivery rates; the download's housekeeping calls it, with the time since its
   * last call and the bytes (a few blocks) the shown rate is measured over at least.
   */
  sampleRate(nowMs: number, intervalMs: number, shownOverBytes: number): void {
    const bytes = this.bytesDelivered - this.rateBytesAtLastSample;
    this.rateBytesAtLastSample = this.bytesDelivered;
    const instant = (bytes * 1000) / intervalMs;
    this.rateBytesPerSec =
      this.rateBytesPerSec === 0 ? instant : 0.5 * this.rateBytesPerSec + 0.5 * instant;
    this.shownRate.sample(nowMs, this.bytesDelivered);
    this.shownRateBytesPerSec = this.shownRate.rate(shownOverBytes);
  }

  /** The shown rate starts anew (a resumed download): what came before a pause is not now. */
  restartShownRate(nowMs: number): void {
    this.shownRate.clear();
    this.shownRate.sample(nowMs, this.bytesDelivered);
    this.shownRateBytesPerSec = 0;
  }
}

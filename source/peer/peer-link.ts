import { defaults } from '../config.ts';
import { DOUBLE_ZERO, settleDoubleZeros } from '../double-zero.ts';
import { optionsKeepingPatience, type RequestOptions } from '../net/endpoint.ts';
import type { RemoteAddress } from '../net/transport.ts';
import { RttEstimator } from './download/rtt-estimator.ts';

/** Bounds of a link's request window and of its retransmission timeout. */
export interface WindowLimits {
  minWindowBlocks: number;
  initialWindowBlocks: number;
  maxWindowBlocks: number;
  minBlockTimeoutMs: number;
  maxBlockTimeoutMs: number;
}

/**
 * - greeting: no cookie yet (a HELLO is out, or none was sent);
 * - ready: requests may go;
 * - quiet: it refused lately (choked, busy) and is not asked until its back-off ends;
 * - unreachable: its last HELLO went unanswered (downloads probe it again with back-off).
 */
export type LinkState = 'greeting' | 'ready' | 'quiet' | 'unreachable';

/**
 * A download that found the link's window full while below its share keeps its claim to a share
 * this long: it only asks again at its next event (its housekeeping runs every 500 ms).
 */
export const STARVED_CLAIM_MS = 1_000;

/** One download's use of a link, as the link weighs it when it shares its window. */
export interface LinkUser {
  readonly inFlightBlocks: number;
  /** When it last found no room while below its share. */
  readonly starvedAtMs: number;
  /** It found no room while below its share and has not asked since. */
  readonly wantsRoom: boolean;
  /** Asks again: room was freed. */
  wake(): void;
}

/** Control requests wait this many HELLO round trips, at least the floor (see below). */
const CONTROL_TIMEOUT_RTTS = 4;
const MIN_CONTROL_TIMEOUT_MS = 100;

/**
 * Weight of each block's outcome in a link's loss share: an average over its last ~128 blocks,
 * so that one datagram's run of blocks lost at once does not read as a tenth of them.
 */
const LOSS_SHARE_WEIGHT = 1 / 128;

/** A `busy` refusal keeps a link quiet this long, doubled per refusal in a row, up to the cap. */
const BUSY_BACKOFF_BASE_MS = 50;
const BUSY_BACKOFF_MAX_MS = 5_000;

/**
 * One remote node as this node sees it, shared by every download that fetches from it: where it
 * is, the cookie that proves to it that we receive there, the round trip, and one request window
 * (it grows while blocks arrive and halves on loss, like TCP's AIMD) with every block asked of it
 * by any download counted against it. Two downloads from one owner therefore share its window
 * instead of each opening a full one, say HELLO once, and back off together when it refuses.
 *
 * Pure: no socket and no timer; time comes in as arguments, and the HELLO itself is sent by
 * PeerLinks, which hands its outcome to greeted() / unanswered().
 */
export class PeerLink {
  /** Proves to the node that we receive at this address (from its WELCOME); null until then. */
  cookie: Buffer | null = null;
  readonly rtt: RttEstimator;
  /** Fractional congestion window in blocks; requests in flight stay below it. */
  windowBlocks: number;
  private slowStartThreshold: number;
  /** Blocks asked of this node and not yet answered or given up, by every download. */
  inFlightBlocks = 0;
  /**
   * The largest datagram that reaches it in one frame where that is worth using (the
   * transport's unfragmentedPayloadBytes), read once per address: undefined until then.
   */
  framePayloadBytes: number | null | undefined = undefined;
  /** No requests before this time (after `choked` or `busy`). */
  quietUntilMs = DOUBLE_ZERO;
  consecutiveBusy = 0;
  /** When the cookie came, on the node's clock: its age says when to renew it (PeerLinks). */
  cookieAtMs = 0;
  /** The round trip of the HELLO that gave the cookie; null before one, or if not measured. */
  private helloRttMs: number | null = null;
  /** Changes whenever the cookie is void: a HELLO answered before that proves nothing now. */
  private epoch = 0;
  private lastHelloUnanswered = false;
  /** Share of its latest blocks (about 128) that were lost, found by timeout or overtaken. */
  lossShare = 0;
  /** Loss reacts at most once per round trip, as one congestion event. */
  private lastLossAtMs = Number.NEGATIVE_INFINITY;
  private lastBackoffAtMs = Number.NEGATIVE_INFINITY;
  /** The downloads fetching from this node (each download's OwnerSession). */
  private readonly users = new Set<LinkUser>();

  constructor(
    readonly nodeId: number,
    private addressNow: RemoteAddress,
    private readonly limits: WindowLimits,
  ) {
    this.rtt = new RttEstimator(limits.minBlockTimeoutMs, limits.maxBlockTimeoutMs);
    this.windowBlocks = limits.initialWindowBlocks;
    this.slowStartThreshold = limits.maxWindowBlocks;
    settleDoubleZeros(this, 'quietUntilMs');
  }

  get address(): RemoteAddress {
    return this.addressNow;
  }

  state(nowMs: number): LinkState {
    if (this.cookie === null) return this.lastHelloUnanswered ? 'unreachable' : 'greeting';
    return nowMs < this.quietUntilMs ? 'quiet' : 'ready';
  }

  /**
   * The node is at another address now (it restarted there): its cookie is void, and what was
   * asked of the old address will never come. Returns false if the address is the same.
   */
  moveTo(address: RemoteAddress): boolean {
    if (address.address === this.addressNow.address && address.port === this.addressNow.port)
      return false;
    this.addressNow = address;
    this.framePayloadBytes = undefined;
    this.forgetCookie();
    return true;
  }

  /** Its cookie was refused (`bad-cookie`, or it restarted): HELLO again before any request. */
  forgetCookie(): void {
    this.cookie = null;
    this.epoch++;
  }

  /** Numbers the cookie's life: a HELLO's outcome is reported with the number it went out with. */
  get cookieEpoch(): number {
    return this.epoch;
  }

  /**
   * WELCOME to the HELLO numbered `epoch`, at `atMs`; false (ignored) if the cookie was voided
   * since.
   */
  greeted(epoch: number, cookie: Uint8Array, rttMs: number | null = null, atMs = 0): boolean {
    if (epoch !== this.epoch) return false;
    this.cookie = Buffer.from(cookie);
    this.cookieAtMs = atMs;
    this.helloRttMs = rttMs;
    this.lastHelloUnanswered = false;
    return true;
  }

  /**
   * How control requests to this node (METAINFO, BITFIELD) time out: after 4 HELLO round trips
   * (at least 100 ms) instead of the fixed first 500 ms a node never heard from needs, then
   * doubling to the usual cap, with as many retries as keep the usual patience (or
   * `patienceMs`). A METAINFO reply of a few fragments, one lost at a busy uplink, cost a
   * leecher 500 ms at the start of an 8-leecher LAN crowd (1 in 32 leechers); on a lossy link
   * every chunk risks it.
   */
  controlRequestOptions(patienceMs?: number): RequestOptions | undefined {
    if (this.helloRttMs === null) return undefined;
    return optionsKeepingPatience(
      Math.min(
        defaults.requestTimeoutMs,
        Math.max(MIN_CONTROL_TIMEOUT_MS, CONTROL_TIMEOUT_RTTS * this.helloRttMs),
      ),
      patienceMs,
    );
  }

  /** No answer to the HELLO numbered `epoch` (the endpoint retried already). */
  unanswered(epoch: number): void {
    if (epoch !== this.epoch) return;
    this.cookie = null;
    this.lastHelloUnanswered = true;
  }

  /** Free room in the window, in whole blocks, for every download together. */
  freeWindow(cap: number): number {
    return Math.max(0, Math.floor(Math.min(this.windowBlocks, cap)) - this.inFlightBlocks);
  }

  join(user: LinkUser): void {
    this.users.add(user);
  }

  leave(user: LinkUser): void {
    this.users.delete(user);
  }

  /** Downloads using the link now. */
  get userCount(): number {
    return this.users.size;
  }

  /**
   * The blocks of the window `user` may hold: all of it while no other download uses the link,
   * else an equal share among those that have blocks in flight here or wanted room lately.
   * Without it the first download refills every block the moment it arrives, and a second
   * download from the same node waits for the first to finish.
   */
  shareOf(user: LinkUser, cap: number, nowMs: number): number {
    let sharers = 1;
    for (const other of this.users) {
      if (other === user) continue;
      if (other.inFlightBlocks > 0 || nowMs - other.starvedAtMs < STARVED_CLAIM_MS) sharers++;
    }
    return Math.ceil(Math.min(this.windowBlocks, cap) / sharers);
  }

  /**
   * `by` freed room in the window: a download waiting for its share asks again now. Before, it
   * asked only at its next event (housekeeping, every 500 ms) while the first refilled at each
   * block's arrival: of two downloads from one owner at 2 MiB/s, the second got 11-97 % of
   * what the first did while both ran, now 93-105 % (swarm-parallel test, thirteen runs each).
   */
  roomFreed(by: LinkUser): void {
    for (const user of this.users) if (user !== by && user.wantsRoom) user.wake();
  }

  onBlock(): void {
    this.consecutiveBusy = 0;
    this.lossShare -= this.lossShare * LOSS_SHARE_WEIGHT;
    if (this.windowBlocks < this.slowStartThreshold) this.windowBlocks += 1;
    else this.windowBlocks += 1 / this.windowBlocks;
    if (this.windowBlocks > this.limits.maxWindowBlocks)
      this.windowBlocks = this.limits.maxWindowBlocks;
  }

  /**
   * A block found lost because later ones from this node arrived (fast retransmit): random
   * loss, not a stalled node. The window gives up an eighth, once per round trip, and the
   * retransmission timer is not backed off, so steady loss does not collapse the transfer.
   *
   * Nor does the window shrink while the link's loss share is at most `forgivenShare`, the loss
   * the node's path shows whatever it is asked (DownlinkPacer.forgivenLossShare). Why: with
   * every loss an eighth off once per round trip, a path that loses 5 % at random held each
   * link near 8 blocks in flight: `bench/faults.ts` (nftables dropping datagrams at random on
   * loopback) moved 256 MiB at 3.3 MiB/s in 1,200-byte blocks at 5 % loss, and at 8.4–11.9 in
   * 16 KiB blocks at 10 %; with the window forgiven, 8.0 and 22–54 (README, Under loss).
   */
  onFastLoss(nowMs: number, forgivenShare = 0): void {
    this.lossShare += (1 - this.lossShare) * LOSS_SHARE_WEIGHT;
    if (this.lossShare <= forgivenShare) return;
    if (nowMs - this.lastLossAtMs < this.rtt.smoothedRttMs) return;
    this.lastLossAtMs = nowMs;
    this.windowBlocks = Math.max(this.limits.minWindowBlocks, this.windowBlocks * 0.875);
    this.slowStartThreshold = this.windowBlocks;
  }

  /** A block that timed out; the window forgives as onFastLoss does, the timer backs off. */
  onLoss(nowMs: number, forgivenShare = 0): void {
    this.lossShare += (1 - this.lossShare) * LOSS_SHARE_WEIGHT;
    // Blocks that time out together are one expiry of the retransmission timer (RFC 6298 5.5):
    // back off once per timeout period, not once per block, or one lost REQUEST of 16 blocks
    // would push the timeout to its cap and a lossy tail would crawl at one retry per 2 s.
    if (nowMs - this.lastBackoffAtMs >= this.rtt.timeoutMs) {
      this.lastBackoffAtMs = nowMs;
      this.rtt.onTimeout();
    }
    if (this.lossShare <= forgivenShare) return;
    if (nowMs - this.lastLossAtMs < this.rtt.smoothedRttMs) return;
    this.lastLossAtMs = nowMs;
    this.windowBlocks = Math.max(this.limits.minWindowBlocks, this.windowBlocks / 2);
    this.slowStartThreshold = this.windowBlocks;
  }

  /** No upload slot for us there now: quiet for `quietMs`. */
  onChoked(nowMs: number, quietMs: number): void {
    this.quietUntilMs = nowMs + quietMs;
  }

  /**
   * Refused `busy` (its uplink or disk is full): back off exponentially, so a node that always
   * refuses costs almost nothing, and count it as a loss for the window.
   */
  onBusy(nowMs: number): void {
    this.consecutiveBusy++;
    const backoff = BUSY_BACKOFF_BASE_MS * 2 ** this.consecutiveBusy;
    this.quietUntilMs = nowMs + Math.min(backoff, BUSY_BACKOFF_MAX_MS);
    this.onLoss(nowMs);
  }
}

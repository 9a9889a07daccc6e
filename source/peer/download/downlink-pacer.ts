import { TokenBucket } from '../token-bucket.ts';
import { TransferTurns } from './transfer-turns.ts';

/** How often the pacer measures what arrived and sets the next rate. */
export const PACER_SLOT_MS = 100;
/** The downlink's capacity is the best rate of this many recent slots (1 s). */
const CAPACITY_WINDOW_SLOTS = 10;
const WINDOW_MS = CAPACITY_WINDOW_SLOTS * PACER_SLOT_MS;
/**
 * Late replies take back the losses that engaged pacing for this long after, and pacing is told
 * of only once it has stood as long. One second was too short on a busy machine: a starved
 * owner's queued replies came later, and an upload-limited download stayed paced for good (two
 * fresh-clone CIs of 2026-12-05 in three, test/peer/late-replies.test.ts).
 */
const UNDO_WINDOW_MS = 3_000;
/**
 * Above the capacity while requests are held back and all of them arrive: look for more, further
 * each slot it goes on, so a rate that was paced low (a loss at the start) is back up in a few
 * slots. At a full link the probe does not arrive in full, and the next slot cruises.
 */
const PROBE_GAINS = [1.25, 1.5, 2];
/** Below it after a loss: what the probe queued drains. */
const DRAIN_GAIN = 0.85;
/** A probe counts as kept up with when this share of its rate arrived. */
const KEPT_UP = 0.9;
/** Lost bytes, as a share of what arrived in a slot, that mean a queue overflowed. */
const CONGESTION_LOSS_SHARE = 0.05;
/**
 * ...and never fewer blocks than this: at 2 MiB/s one 16 KiB block is 6 % of a slot, and one
 * block lost now and then is no overflow (on a busy machine a download from an upload-limited
 * owner paced itself for good on one: test/peer/late-replies.test.ts).
 */
const MIN_CONGESTION_LOSSES = 2;
/**
 * After a drain, the slots that tell an overflowing queue from a lossy path: a queue that
 * overflowed loses far less once asked for less, a path that loses at random loses as much.
 */
const DRAIN_CHECK_SLOTS = 3;
/** "Far less": under this share of the loss that started the drain. */
const DRAIN_RELIEF = 0.6;
/**
 * The loss a path showed whatever it was asked (see tick) is forgiven, up to this much of what
 * arrives: beyond it nothing moves fast anyway, and what looked random is more likely a queue.
 */
const MAX_PATH_LOSS = 0.3;
/** The learned path loss fades by this factor a slot (halved in ~3.4 s) unless learned again. */
const PATH_LOSS_FADE = 0.98;
/** Never paced below this: a slow start must not starve itself. */
export const MIN_PACED_BYTES_PER_SEC = 64 * 1024;

/**
 * While paced, blocks in flight are bounded to what the downlink carries in this long, or in two
 * round trips of the nearest owner where that is longer.
 * Why: pacing spreads the requests in time, but owners answer late and then together, and what
 * was asked and not yet received is what can pile up in the switch port's queue. Nothing bounded
 * it below the socket's budget (240 blocks: 1 MiB of three-frame blocks, where a 25 Mbit/s port
 * queues ~156 KB, 50 ms of its rate). Measured at 25 Mbit/s, N = 8 (docs/performance-log.md): with
 * 100 ms the shapers dropped a third fewer frames, with 50 ms a twentieth as many (255–514 a
 * crowd), and the crowd ended ~3 s sooner than unbounded (median 26.8 s against 29.9); 30 ms did
 * no better, and ~57 ms (the farthest owner's lowest round trip, doubled) dropped 1,198 and
 * 1,989. The round trips keep a distant swarm from starving: in flight over a round trip is all
 * a path can carry, and a bound below it would lower the rate measured, then the bound, and so
 * on.
 */
const PACED_IN_FLIGHT_MS = 50;
/** ...but never fewer blocks than this: a handful of owners must each have some in flight. */
export const MIN_PACED_IN_FLIGHT_BLOCKS = 8;

/**
 * Paces this node's block requests, together across its downloads, to what its downlink carries.
 *
 * Why: a downloader asks up to 8 owners at once, and each owner answers at the speed of its own
 * uplink. Where the downlink is slower than their sum (a flash crowd on a LAN: 8 owners at 25
 * Mbit/s into one 25 Mbit/s port), their answers pile up in the switch port's queue, and a 16 KiB
 * datagram crosses Ethernet as 12 fragments: once the queue overflows, nearly every datagram
 * loses one fragment, the port carries fragments nobody can use, and nothing arrives whole for
 * seconds (measured: every owner of a leecher silent for 3 s at once). Per-owner windows cannot
 * prevent it — even their floor of 2 blocks each is more than such a queue holds. Spreading the
 * requests in time can: answers then arrive at the rate they were asked for.
 *
 * How: unpaced until a slot loses a good share of what arrived in it (a block now and then is
 * lost anywhere; on loopback it does not engage). Then every slot the rate is set from the best
 * rate that arrived lately (the downlink's capacity, as BBR estimates a path's bottleneck):
 * above it when requests were held back and all arrived (there may be more room), below it
 * after such a loss (drain the queue), at it otherwise. A node that received nothing for a
 * whole window starts unpaced again.
 *
 * `--download-limit` is a second bucket in the same gate: requests wait for both. Pure: time
 * and the received byte count come in as arguments.
 */
export class DownlinkPacer {
  /** The user's `--download-limit` (0: none). */
  readonly userLimit: TokenBucket;
  /** Under it, the node's downloads take turns at its tokens. */
  readonly turns = new TransferTurns();
  private readonly pace: TokenBucket;
  private paced = false;
  private readonly slotRates = new Float64Array(CAPACITY_WINDOW_SLOTS);
  private slotIndex = 0;
  private slotStartMs: number;
  private slotStartBytes = 0;
  private lostBytesInSlot = 0;
  private lostBlocksInSlot = 0;
  private heldInSlot = false;
  /** Slots in a row whose probe arrived in full. */
  private probes = 0;
  /** When pacing last engaged for losses (see undoLoss). */
  private engagedAtMs = Number.NEGATIVE_INFINITY;
  /** Bytes of those losses beyond the share that engages pacing, not yet found needless. */
  private engagingExcessBytes = 0;
  /** Blocks of those losses not yet found needless. */
  private engagingBlocks = 0;
  /** When the pacing now in force started (undone or not); -Infinity while unpaced. */
  private pacedSinceMs = Number.NEGATIVE_INFINITY;
  /** The pacing now in force was told of (takeNews). */
  private told = false;
  /**
   * Lost bytes per byte that arrived which the path shows at any rate (random loss on a radio
   * link or a noisy cable): not a queue's overflow, so not a reason to ask for less.
   */
  private pathLoss = 0;
  /** A drain under test (see DRAIN_CHECK_SLOTS): the loss that started it, and what followed. */
  private drainCheck: {
    lossRatio: number;
    rateBefore: number;
    slotsLeft: number;
    lostBytes: number;
    receivedBytes: number;
  } | null = null;

  constructor(userLimitBytesPerSec: number, nowMs: number) {
    this.userLimit = new TokenBucket(userLimitBytesPerSec, nowMs);
    this.pace = new TokenBucket(0, nowMs);
    this.slotStartMs = nowMs;
  }

  /** True while requests may have to wait (a user limit, or pacing engaged). */
  get limited(): boolean {
    return this.userLimit.limited || this.pace.limited;
  }

  /** True while requests are paced to the downlink (not counting a user's limit). */
  get engaged(): boolean {
    return this.paced;
  }

  /**
   * The share of blocks a link may lose without giving up window (PeerLink.onFastLoss) once the
   * path was found to lose at any rate: that loss, plus what a slot may lose before it counts as
   * an overflow here. None before: every loss is a queue's until a drain showed otherwise.
   */
  get forgivenLossShare(): number {
    if (this.pathLoss === 0) return 0;
    return CONGESTION_LOSS_SHARE + this.pathLoss / (1 + this.pathLoss);
  }

  /** The pacing rate in bytes per second; 0 while unpaced. */
  get rateBytesPerSec(): number {
    return this.pace.limit;
  }

  /**
   * The pacing rate a person is shown at `nowMs`: 0 until the pacing has stood UNDO_WINDOW_MS
   * (before that, late replies may still find its losses were none and undo it: an owner under
   * `--upload-limit` made a download's log say `paced` and `unpaced again` in the same second, five
   * times in 24 s), and 0 once no download has ticked the pacer for a window (the last one
   * finished or paused: without downloads nobody ticks, and its rate would stand for good).
   */
  rateAt(nowMs: number): number {
    if (nowMs - this.slotStartMs >= WINDOW_MS) return 0;
    return this.standing(nowMs) ? this.pace.limit : 0;
  }

  /**
   * The rate to tell of, once, when pacing has stood UNDO_WINDOW_MS (see rateAt); else 0. Pacing
   * that ends is not told of: after a window only idleness ends it, when downloads have ended.
   */
  takeNews(nowMs: number): number {
    if (this.told || !this.standing(nowMs)) return 0;
    this.told = true;
    return this.pace.limit;
  }

  private standing(nowMs: number): boolean {
    return this.paced && nowMs - this.pacedSinceMs >= UNDO_WINDOW_MS;
  }

  /**
   * Blocks of `blockBytes` the node may have asked for and not yet received: while paced or held
   * to `--download-limit`, what the slower of the two carries in PACED_IN_FLIGHT_MS or in two of
   * `nearestRttMs` (the nearest owner's lowest round trip; 0: none measured); unbounded
   * otherwise (the socket's budget then bounds it).
   *
   * The user's limit is bounded too so that owners share it (inFlightRoom gives complete owners
   * equal shares of this bound): with only the bucket, whichever owner answered when tokens came
   * back asked again at once, and one of two owners delivered a whole 16 MiB download at 4 MiB/s
   * while the other delivered nothing (test/peer/download-limit-owners.test.ts).
   */
  maxInFlightBlocks(blockBytes: number, nearestRttMs: number): number {
    const rate = this.heldToBytesPerSec();
    if (rate === Number.POSITIVE_INFINITY) return rate;
    const spanMs = Math.max(PACED_IN_FLIGHT_MS, 2 * nearestRttMs);
    const carried = (rate * spanMs) / 1000;
    return Math.max(MIN_PACED_IN_FLIGHT_BLOCKS, Math.floor(carried / blockBytes));
  }

  /** Milliseconds until a request may go (0: now). A wait counts as being held back. */
  waitMs(nowMs: number): number {
    const wait = Math.max(this.userLimit.waitMs(nowMs), this.pace.waitMs(nowMs));
    if (wait > 0 && this.pace.limited) this.heldInSlot = true;
    return wait;
  }

  /** Requests for `bytes` went out. */
  charge(bytes: number, nowMs: number): void {
    this.userLimit.charge(bytes, nowMs);
    this.pace.charge(bytes, nowMs);
  }

  /** `blocks` of `bytes` in all were found lost (timed out, or overtaken by later ones). */
  noteLoss(bytes: number, blocks = 1): void {
    this.lostBytesInSlot += bytes;
    this.lostBlocksInSlot += blocks;
  }

  /**
   * A block noted lost arrived after all, in answer to the request given up on: nothing
   * overflowed, a queue only delayed it. Taken off the losses that engaged pacing (within
   * UNDO_WINDOW_MS) while any are left, and when too few are left to have engaged it, requests
   * go unpaced again; else off the current slot's losses. Why: an owner under `--upload-limit` delays its
   * replies by up to 300 ms, the first timeouts fire before they come, and the node paced itself
   * "after losses" that never were, below what the owner sends. The engaging losses first: an
   * owner answers in order, so a late reply answers the oldest loss; taken off a loss noted since
   * instead, the last engaging one stayed and the download stayed paced for good (a block given
   * up on just after pacing engaged, on a busy machine: test/peer/late-replies.test.ts, 3 runs
   * in 8 with two at once). Returns true if this ended pacing.
   */
  undoLoss(bytes: number, nowMs: number): boolean {
    const engaging =
      this.paced && nowMs - this.engagedAtMs < UNDO_WINDOW_MS && this.engagingExcessBytes > 0;
    if (!engaging) {
      if (this.lostBytesInSlot >= bytes) {
        this.lostBytesInSlot -= bytes;
        this.lostBlocksInSlot--;
      }
      return false;
    }
    this.engagingExcessBytes -= bytes;
    this.engagingBlocks--;
    // What is left would not have engaged it (see tick): one block's reply may come as a second
    // copy's, or not be known as late (a busy machine left one so: paced for good).
    if (this.engagingExcessBytes > 0 && this.engagingBlocks >= MIN_CONGESTION_LOSSES) return false;
    this.engagedAtMs = Number.NEGATIVE_INFINITY;
    this.unpace(nowMs);
    return true;
  }

  /**
   * Call often (every download tick); once a slot has passed it measures what arrived during it
   * (`receivedBytes`: every DATA byte this node has received so far) and sets the next rate.
   */
  tick(nowMs: number, receivedBytes: number): void {
    const elapsedMs = nowMs - this.slotStartMs;
    if (elapsedMs < PACER_SLOT_MS) return;
    if (elapsedMs >= WINDOW_MS) {
      // Not ticked for a whole window: no download ran. What the path carried then says nothing
      // of now (another owner, another hour), so start as a new node does: unpaced.
      this.startAfresh(nowMs, receivedBytes);
      return;
    }
    const received = receivedBytes - this.slotStartBytes;
    const rate = (received * 1000) / elapsedMs;
    this.slotRates[this.slotIndex] = rate;
    this.slotIndex = (this.slotIndex + 1) % CAPACITY_WINDOW_SLOTS;
    this.slotStartMs = nowMs;
    this.slotStartBytes = receivedBytes;
    const capacity = Math.max(...this.slotRates);
    // A queue that overflows loses a good share of what crosses it; a block lost now and then is
    // no sign of one, nor is the loss the path shows at any rate. (Runs read out of order at the
    // start can look lost too: the probes below undo such a false start within a few slots.)
    const lostBytes = this.lostBytesInSlot;
    const excessLostBytes = lostBytes - (CONGESTION_LOSS_SHARE + this.pathLoss) * received;
    const lostBlocks = this.lostBlocksInSlot;
    const loss = excessLostBytes > 0 && lostBlocks >= MIN_CONGESTION_LOSSES;
    const held = this.heldInSlot;
    this.lostBytesInSlot = 0;
    this.lostBlocksInSlot = 0;
    this.heldInSlot = false;
    this.pathLoss *= PATH_LOSS_FADE;
    if (capacity === 0) {
      // Nothing arrived for a whole window: idle, or starting anew. Unpaced until a loss.
      this.unpace(nowMs);
      return;
    }
    if (!this.paced && !loss) return;
    if (!this.paced) {
      this.engagedAtMs = nowMs;
      this.engagingExcessBytes = excessLostBytes;
      this.engagingBlocks = lostBlocks;
      this.pacedSinceMs = nowMs;
    }
    this.paced = true;
    if (this.drainCheck !== null && this.checkingDrain(lostBytes, received, nowMs)) return;
    let gain = 1;
    if (loss) {
      gain = DRAIN_GAIN;
      this.probes = 0;
      this.drainCheck = {
        lossRatio: received > 0 ? lostBytes / received : Number.POSITIVE_INFINITY,
        rateBefore: this.pace.limit || capacity,
        slotsLeft: DRAIN_CHECK_SLOTS,
        lostBytes: 0,
        receivedBytes: 0,
      };
    } else if (held && rate * (1 + this.pathLoss) >= KEPT_UP * this.pace.limit) {
      // Everything asked for arrived (but what the path loses anyway), and more was wanted:
      // look further each slot it goes on.
      gain = PROBE_GAINS[Math.min(this.probes, PROBE_GAINS.length - 1)]!;
      this.probes++;
    } else {
      this.probes = 0;
    }
    this.pace.retune(Math.max(MIN_PACED_BYTES_PER_SEC, capacity * gain), nowMs);
  }

  /**
   * A slot after a drain, at the drained rate; true while the drain is still under test.
   *
   * Why: where a share is lost whatever the rate (a radio link; `bench/faults.ts` drops 5 or
   * 10 % of datagrams at random), every slot counted as an overflow and drained again, the best
   * rate of the last second fell with the pace, and the pace with it: in the tests' model of a
   * 50 MB/s path losing a tenth, 3.9 MB/s on average over 30 s. A queue that overflowed loses
   * far less once asked for less; a lossy path loses as much. So the drained rate is held for
   * up to DRAIN_CHECK_SLOTS; if the loss did not fall, it is the path's: the pace goes back to
   * where it was, and that much loss no longer counts as an overflow (it fades, and is learned
   * again the next time a drain relieves nothing).
   */
  private checkingDrain(lostBytes: number, received: number, nowMs: number): boolean {
    const check = this.drainCheck!;
    if (lostBytes <= CONGESTION_LOSS_SHARE * received) {
      // Next to nothing lost once asked for less: an overflow, relieved. Paced as usual.
      this.drainCheck = null;
      return false;
    }
    check.lostBytes += lostBytes;
    check.receivedBytes += received;
    if (--check.slotsLeft > 0) return true;
    this.drainCheck = null;
    // Over the whole check, not its best slot: losses come in bursts (a run of blocks in one
    // datagram), and the slot that started the drain was the worst of many.
    const ratio =
      check.receivedBytes > 0 ? check.lostBytes / check.receivedBytes : Number.POSITIVE_INFINITY;
    // An overflow, relieved by the drain: paced as usual.
    if (ratio < DRAIN_RELIEF * check.lossRatio) return false;
    this.pathLoss = Math.min(MAX_PATH_LOSS, Math.max(this.pathLoss, ratio));
    this.pace.retune(Math.max(MIN_PACED_BYTES_PER_SEC, check.rateBefore), nowMs);
    return true;
  }

  /** The rate requests are held to: the pace and the user's limit, the slower; else Infinity. */
  private heldToBytesPerSec(): number {
    const paced = this.paced ? this.pace.limit : Number.POSITIVE_INFINITY;
    const user = this.userLimit.limited ? this.userLimit.limit : Number.POSITIVE_INFINITY;
    return Math.min(paced, user);
  }

  private startAfresh(nowMs: number, receivedBytes: number): void {
    this.slotRates.fill(0);
    this.slotStartMs = nowMs;
    this.slotStartBytes = receivedBytes;
    this.lostBytesInSlot = 0;
    this.lostBlocksInSlot = 0;
    this.heldInSlot = false;
    this.engagedAtMs = Number.NEGATIVE_INFINITY;
    this.pathLoss = 0;
    this.unpace(nowMs);
  }

  private unpace(nowMs: number): void {
    this.paced = false;
    this.probes = 0;
    this.drainCheck = null;
    this.pacedSinceMs = Number.NEGATIVE_INFINITY;
    this.told = false;
    this.pace.setLimit(0, nowMs);
  }
}

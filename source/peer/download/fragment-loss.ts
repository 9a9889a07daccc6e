import type { FragmentQueues } from '../../net/fragment-queues.ts';

/** How often the host's count is read (a small file in /proc: a few system calls). */
const READ_INTERVAL_MS = 100;
/**
 * Datagrams waiting for fragments that mean fragments are being lost faster than the host can
 * bear. In progress, a host holds about one per owner sending to it at that instant; a datagram
 * that lost a fragment stays 30 s, and ~325 of 16 KiB fill the 4 MiB after which every fragment
 * is dropped. 64 is a fifth of that: reached in 2.5 s at the 4-owner, 25 Mbit/s rate of loss
 * above, not by the few losses of an 8-leecher crowd at 100 Mbit/s, where smaller blocks would
 * only cost CPU (16 switched leechers there and made the crowd slower).
 */
export const STUCK_FRAGMENT_QUEUES = 64;
/**
 * The share of the host's fragment memory ceiling (ipfrag_high_thresh) at which even blocks of
 * a few frames leave too much behind: half, so the other half takes what is still in flight.
 */
export const NEAR_FULL_SHARE = 0.5;
/** After the last read that found them, fragments still count as being lost this long. */
export const FRAGMENT_LOSS_HOLD_MS = 10_000;

/**
 * How this host fares with fragments of what it receives:
 * - `none`: nothing to change;
 * - `losing`: many datagrams wait for fragments that do not come;
 * - `near-full`: what waits holds half the memory past which the kernel drops every fragment.
 */
export type FragmentLoss = 'none' | 'losing' | 'near-full';

/**
 * Reads the host's fragment reassembly queues (see fragment-queues.ts) and says how it fares
 * (FragmentLoss); downloads pick their block size from it (BlockTransfer). On loopback nothing is
 * fragmented. Where the count cannot be read (not Linux), fragments never count as lost. Time
 * comes in as an argument.
 */
export class FragmentLossWatch {
  private lastReadAtMs = Number.NEGATIVE_INFINITY;
  private lastLossAtMs = Number.NEGATIVE_INFINITY;
  private lastNearFullAtMs = Number.NEGATIVE_INFINITY;
  /** The newest reading (null: none yet, or unreadable), for the log. */
  lastReading: FragmentQueues | null = null;

  constructor(
    private readonly readFragmentQueues: () => FragmentQueues | null,
    /** ipfrag_high_thresh of this host, in bytes. */
    readonly ceilingBytes: number,
  ) {}

  /** Call often while downloading; reads the count at most every READ_INTERVAL_MS. */
  tick(nowMs: number): void {
    if (nowMs - this.lastReadAtMs < READ_INTERVAL_MS) return;
    this.lastReadAtMs = nowMs;
    const reading = this.readFragmentQueues();
    this.lastReading = reading;
    if (reading === null) return;
    if (reading.queues >= STUCK_FRAGMENT_QUEUES) this.lastLossAtMs = nowMs;
    if (reading.bytes >= this.ceilingBytes * NEAR_FULL_SHARE) this.lastNearFullAtMs = nowMs;
  }

  /** The worst state read within the last FRAGMENT_LOSS_HOLD_MS. */
  state(nowMs: number): FragmentLoss {
    if (nowMs - this.lastNearFullAtMs < FRAGMENT_LOSS_HOLD_MS) return 'near-full';
    if (nowMs - this.lastLossAtMs < FRAGMENT_LOSS_HOLD_MS) return 'losing';
    return 'none';
  }
}

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
/** After the last read that found them, fragments still count as being lost this long. */
export const FRAGMENT_LOSS_HOLD_MS = 10_000;

/**
 * Whether this host is losing fragments of the datagrams it receives: many datagrams wait for
 * fragments that do not come (see fragment-queues.ts). While it does, downloads fetch new pieces
 * in blocks that fit one frame (UNFRAGMENTED_BLOCK_BYTES). On loopback nothing is fragmented.
 * Where the count cannot be read (not Linux), fragments never count as lost. Time comes in as
 * an argument.
 */
export class FragmentLossWatch {
  private lastReadAtMs = Number.NEGATIVE_INFINITY;
  private lastLossAtMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly readFragmentQueues: () => number | null) {}

  /** Call often while downloading; reads the count at most every READ_INTERVAL_MS. */
  tick(nowMs: number): void {
    if (nowMs - this.lastReadAtMs < READ_INTERVAL_MS) return;
    this.lastReadAtMs = nowMs;
    const queues = this.readFragmentQueues();
    if (queues !== null && queues >= STUCK_FRAGMENT_QUEUES) this.lastLossAtMs = nowMs;
  }

  losing(nowMs: number): boolean {
    return nowMs - this.lastLossAtMs < FRAGMENT_LOSS_HOLD_MS;
  }
}

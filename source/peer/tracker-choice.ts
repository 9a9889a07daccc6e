/**
 * Which of the swarm's trackers this node talks to. The node keeps one at a time (its session
 * lives there); when that one stops answering it moves on to the next, round-robin, and only
 * after a whole round without an answer does it count the trackers as unreachable and back off.
 */
import type { RemoteAddress } from '../net/transport.ts';

/**
 * Retries of one request while other trackers are there to try: three tries, 0.5 + 1 + 2 s (0.2 +
 * 0.4 + 0.8 s once the tracker's round trips are known, tracker-client.ts) and it moves on,
 * well within a 20 s heartbeat. A single tracker keeps the endpoint's whole patience (11.5 s).
 */
export const FAILOVER_REQUEST_RETRIES = 2;

/**
 * A tracker of --tracker looked up again: `given` as a person named it (`NAME:PORT`), `address`
 * where the name points now, or null where there is nothing new to know (given as an address, or
 * the lookup failed: the address it had is kept).
 */
export interface TrackerLookedUp {
  given: string;
  address: RemoteAddress | null;
}

/** The trackers in the order given and the one in use. */
export class TrackerChoice {
  private readonly list: RemoteAddress[];
  private index = 0;
  /** Trackers tried without an answer since the last answer. */
  private failedInRow = 0;

  constructor(trackers: RemoteAddress | readonly RemoteAddress[]) {
    const list = Array.isArray(trackers) ? trackers : [trackers as RemoteAddress];
    if (list.length === 0) throw new Error('TrackerChoice needs at least one tracker');
    this.list = [...list];
  }

  get all(): readonly RemoteAddress[] {
    return this.list;
  }

  /** The tracker at `index` moved to `address` (its name was looked up again); same place. */
  replace(index: number, address: RemoteAddress): void {
    this.list[index] = address;
  }

  /** The tracker at `index` is tried next, as one not yet tried in this round (it moved). */
  tryNext(index: number): void {
    this.index = index;
    this.failedInRow = 0;
  }

  /** The tracker requests go to now. */
  get current(): RemoteAddress {
    return this.list[this.index]!;
  }

  /** More than one tracker: a failed request moves on instead of retrying patiently. */
  get several(): boolean {
    return this.list.length > 1;
  }

  /** The current tracker answered. */
  answered(): void {
    this.failedInRow = 0;
  }

  /**
   * `from` did not answer: the next one becomes current. True when that one has not failed yet
   * in this round (try it at once); false after a whole round (back off). Requests run side by
   * side: when `from` is no longer current, another request already moved on and the answer is
   * true without moving again (a late timeout must not move the node back to the dead tracker).
   */
  moveOn(from: RemoteAddress = this.current): boolean {
    if (from !== this.current) return true;
    this.failedInRow++;
    this.index = (this.index + 1) % this.list.length;
    if (this.failedInRow < this.list.length) return true;
    this.failedInRow = 0;
    return false;
  }
}

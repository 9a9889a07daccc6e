/**
 * The load generator's requests awaiting a reply, retransmitted as the real endpoint does
 * (source/net/endpoint.ts): after a timeout the same datagram goes again with the same txid,
 * the timeout doubled up to a cap, and after the last retry the request is given up (what
 * happens next is the caller's rule). Deadlines sit in one FIFO per timeout length: within one
 * length, send order is deadline order, so expiring costs nothing per request still waiting
 * (thousands are in flight at 100,000 nodes).
 */
import type { RemoteAddress } from '../../source/net/transport.ts';

/** How a request is retried: first timeout, doubled per retry up to the cap (as RequestOptions). */
export interface RequestTiming {
  timeoutMs: number;
  retries: number;
  timeoutCapMs: number;
}

/** One request on the wire to one tracker. */
export interface Attempt<T> {
  readonly txid: number;
  readonly to: RemoteAddress;
  /** Encoded once: every retransmission sends the same bytes with the same txid. */
  readonly datagram: Buffer;
  readonly item: T;
  retriesLeft: number;
  timeoutMs: number;
  deadlineMs: number;
}

interface Queued<T> {
  attempt: Attempt<T>;
  deadlineMs: number;
}

/** Attempts whose timeout has this length, oldest deadline first. */
class DeadlineQueue<T> {
  private entries: Queued<T>[] = [];
  private head = 0;

  push(entry: Queued<T>): void {
    this.entries.push(entry);
  }

  /** The oldest entry due by `nowMs`, removed; null when none is due. */
  shiftDue(nowMs: number): Queued<T> | null {
    const entry = this.entries[this.head];
    if (entry === undefined || entry.deadlineMs > nowMs) return null;
    this.head++;
    // Drop the consumed prefix now and then, not on every shift (Array.shift is O(n)).
    if (this.head > 1_024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return entry;
  }
}

/** Pending requests by txid, with their retransmission schedule. */
export class RequestTable<T> {
  private readonly pending = new Map<number, Attempt<T>>();
  private readonly queues = new Map<number, DeadlineQueue<T>>();
  private nextTxid = 1;
  /** Datagrams sent again after a timeout, since the table was made. */
  retransmits = 0;

  constructor(
    private readonly timing: RequestTiming,
    /** Puts an attempt's datagram on the wire (from its node's own socket). */
    private readonly transmit: (attempt: Attempt<T>) => void,
  ) {}

  /** Requests awaiting a reply. */
  get size(): number {
    return this.pending.size;
  }

  /** Sends a new request (a fresh txid) to `to`; `encode` makes its datagram. */
  send(item: T, to: RemoteAddress, encode: (txid: number) => Buffer, nowMs: number): void {
    const txid = this.nextTxid;
    this.nextTxid = this.nextTxid >= 0xffff_ffff ? 1 : this.nextTxid + 1;
    const attempt: Attempt<T> = {
      txid,
      to,
      datagram: encode(txid),
      item,
      retriesLeft: this.timing.retries,
      timeoutMs: this.timing.timeoutMs,
      deadlineMs: 0,
    };
    this.pending.set(txid, attempt);
    this.transmitAt(attempt, nowMs);
  }

  /** The request a reply's txid names, still pending. */
  get(txid: number): Attempt<T> | undefined {
    return this.pending.get(txid);
  }

  /** The requests awaiting a reply. */
  items(): IterableIterator<Attempt<T>> {
    return this.pending.values();
  }

  /** Forgets a request (it was answered). */
  delete(txid: number): void {
    this.pending.delete(txid);
  }

  /** Retransmits the requests due by `nowMs`; those out of retries are removed and given up. */
  expire(nowMs: number, giveUp: (attempt: Attempt<T>) => void): void {
    for (const queue of this.queues.values()) {
      for (let due = queue.shiftDue(nowMs); due !== null; due = queue.shiftDue(nowMs)) {
        const { attempt } = due;
        // Answered meanwhile, or retransmitted with a later deadline in another queue.
        if (this.pending.get(attempt.txid) !== attempt || attempt.deadlineMs !== due.deadlineMs) {
          continue;
        }
        if (attempt.retriesLeft > 0) {
          attempt.retriesLeft--;
          this.retransmits++;
          // The endpoint's rule: doubling never lowers a first timeout already above the cap.
          attempt.timeoutMs = Math.min(
            attempt.timeoutMs * 2,
            Math.max(this.timing.timeoutCapMs, attempt.timeoutMs),
          );
          this.transmitAt(attempt, nowMs);
        } else {
          this.pending.delete(attempt.txid);
          giveUp(attempt);
        }
      }
    }
  }

  /** Removes every pending request, handing each to `giveUp` (the end of a run). */
  giveUpAll(giveUp: (attempt: Attempt<T>) => void): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const attempt of all) giveUp(attempt);
  }

  private transmitAt(attempt: Attempt<T>, nowMs: number): void {
    attempt.deadlineMs = nowMs + attempt.timeoutMs;
    let queue = this.queues.get(attempt.timeoutMs);
    if (!queue) {
      queue = new DeadlineQueue();
      this.queues.set(attempt.timeoutMs, queue);
    }
    queue.push({ attempt, deadlineMs: attempt.deadlineMs });
    this.transmit(attempt);
  }
}

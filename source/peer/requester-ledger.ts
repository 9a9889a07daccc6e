/**
 * What a seeder knows about the addresses that ask it for things: what it served them, how often
 * it refused them, and whether it currently ignores them. A requester whose requests keep being
 * refused (a broken client, a flood, a spoofed source) gets no replies at all for a while, so the
 * seeder neither busy-loops on it nor reflects traffic at someone else (NOTES.md item 4).
 *
 * Addresses that proved they receive (a valid cookie) and those that did not are kept apart. A
 * source address costs nothing to forge: requests with bad cookies from forged addresses must
 * neither push the records of real downloaders out nor get a real downloader ignored (33 of them
 * silenced a seeder towards a downloader for 10 s, found by a session). Refusing them only stops
 * the refusals to that address, never the service of its valid requests.
 */
import type { Clock } from '../clock.ts';
import type { RemoteAddress } from '../net/transport.ts';
import type { ReplyAllowance } from './reply-allowance.ts';
import type { RequestReplays } from './request-replays.ts';

/** More rejects than this within REJECT_WINDOW_MS and the requester is ignored. */
export const REJECT_LIMIT = 32;
export const REJECT_WINDOW_MS = 10_000;
/** How long an ignored requester gets no reply at all. */
export const IGNORE_MS = 10_000;
/**
 * Strangers remembered at once; the least recently active is forgotten first. Their records come
 * from unvalidated addresses, so the table must be bounded.
 */
export const MAX_TRACKED_REQUESTERS = 1024;
/**
 * Proven requesters remembered at once, and at most of one host (its ports): a record forgotten
 * loses what it holds against replays (request-replays.ts), and one host opening 1,100 ports with
 * valid cookies pushed every other requester out of a table of 1,024 (found by a session). A
 * host past its share forgets its own least recently active ports first.
 */
export const MAX_PROVEN_REQUESTERS = 4096;
export const MAX_PROVEN_PER_HOST = 128;

/** One remote address as the seeder sees it; the seeder bumps the counters directly. */
export class Requester {
  bytesServed = 0;
  blocksServed = 0;
  rejectsSent = 0;
  /** Blocks accepted for this requester whose DATA is not sent yet (read in progress). */
  queuedBlocks = 0;
  lastActiveMs: number;
  ignoredUntilMs = Number.NEGATIVE_INFINITY;
  rejectWindowStartMs: number;
  rejectsInWindow = 0;
  /**
   * The txid of its latest REQUEST of each file (by infohash hex): our goodbye echoes it, since
   * a downloader takes a REJECT only with the txid of a request it sent us.
   */
  readonly latestTxids = new Map<string, number>();
  /** The txids of its latest block REQUESTs, kept from its first (see request-replays.ts). */
  replays: RequestReplays | null = null;
  /** The METAINFO and BITFIELD replies it was sent lately (see reply-allowance.ts). */
  allowance: ReplyAllowance | null = null;

  constructor(
    readonly address: string,
    readonly port: number,
    nowMs: number,
    /** Its requests carried a valid cookie; a stranger's record counts only refusals. */
    readonly proven = true,
  ) {
    this.lastActiveMs = nowMs;
    this.rejectWindowStartMs = nowMs;
  }
}

/** A requester's figures, as shown to people. */
export interface RequesterStats {
  address: string;
  port: number;
  bytesServed: number;
  blocksServed: number;
  rejectsSent: number;
  /** Clock.now() of its last request. */
  lastActiveMs: number;
  ignored: boolean;
}

/** Per-address bookkeeping of a seeder, bounded in size. */
export class RequesterLedger {
  /** Addresses whose requests carried a valid cookie: served, shown, ignored when abusive. */
  private readonly proven = new Map<string, Requester>();
  /** Addresses whose requests did not: their only record is of the refusals sent to them. */
  private readonly strangers = new Map<string, Requester>();
  /** Proven records per host address. */
  private readonly provenPorts = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    /** Told once each time a requester starts being ignored (a log line, not per datagram). */
    private readonly onIgnored: (requester: Requester) => void = () => {},
  ) {}

  /**
   * The requester's record, marked active now, from the table of addresses with a valid cookie
   * (`proven`) or of those without; null while that record is ignored (send it nothing).
   */
  admit(from: RemoteAddress, proven = true): Requester | null {
    const nowMs = this.clock.now();
    const table = proven ? this.proven : this.strangers;
    const key = `${from.address}|${from.port}`;
    let requester = table.get(key);
    if (requester) {
      if (nowMs < requester.ignoredUntilMs) return null;
      // Re-inserting keeps the Map in least-recently-active order for eviction.
      table.delete(key);
    } else {
      requester = new Requester(from.address, from.port, nowMs, proven);
      if (proven) this.makeRoomForProven(from.address);
      else if (table.size >= MAX_TRACKED_REQUESTERS) {
        const oldest = table.keys().next();
        if (!oldest.done) table.delete(oldest.value);
      }
    }
    table.set(key, requester);
    requester.lastActiveMs = nowMs;
    return requester;
  }

  /** Forgets a proven record, if need be, before one of `host` is added (see MAX_PROVEN_PER_HOST). */
  private makeRoomForProven(host: string): void {
    const ports = this.provenPorts.get(host) ?? 0;
    let victim: string | undefined;
    if (ports >= MAX_PROVEN_PER_HOST) {
      for (const [key, requester] of this.proven)
        if (requester.address === host) {
          victim = key;
          break;
        }
    } else if (this.proven.size >= MAX_PROVEN_REQUESTERS) {
      victim = this.proven.keys().next().value;
    }
    if (victim !== undefined) {
      const gone = this.proven.get(victim)!;
      this.proven.delete(victim);
      const left = (this.provenPorts.get(gone.address) ?? 1) - 1;
      if (left > 0) this.provenPorts.set(gone.address, left);
      else this.provenPorts.delete(gone.address);
    }
    this.provenPorts.set(host, (this.provenPorts.get(host) ?? 0) + 1);
  }

  /** The record of the proven requester at `key` (`address|port`), if it is remembered. */
  find(key: string): Requester | undefined {
    return this.proven.get(key);
  }

  /**
   * True while `from`, a proven requester, is being ignored; creates no record (HELLO must stay
   * stateless). Strangers ignored for their bad cookies still get a cookie: that is the cure.
   */
  isIgnored(from: RemoteAddress): boolean {
    const requester = this.proven.get(`${from.address}|${from.port}`);
    return requester !== undefined && this.clock.now() < requester.ignoredUntilMs;
  }

  /** Counts one reject sent to `requester`; too many in the window and it is ignored. */
  noteReject(requester: Requester): void {
    const nowMs = this.clock.now();
    requester.rejectsSent++;
    if (nowMs - requester.rejectWindowStartMs >= REJECT_WINDOW_MS) {
      requester.rejectWindowStartMs = nowMs;
      requester.rejectsInWindow = 0;
    }
    requester.rejectsInWindow++;
    if (requester.rejectsInWindow > REJECT_LIMIT) {
      requester.ignoredUntilMs = nowMs + IGNORE_MS;
      requester.rejectWindowStartMs = requester.ignoredUntilMs;
      requester.rejectsInWindow = 0;
      this.onIgnored(requester);
    }
  }

  /** Every remembered proven requester, most recently active last. */
  snapshot(): RequesterStats[] {
    const nowMs = this.clock.now();
    const rows: RequesterStats[] = [];
    for (const r of this.proven.values()) {
      rows.push({
        address: r.address,
        port: r.port,
        bytesServed: r.bytesServed,
        blocksServed: r.blocksServed,
        rejectsSent: r.rejectsSent,
        lastActiveMs: r.lastActiveMs,
        ignored: nowMs < r.ignoredUntilMs,
      });
    }
    return rows;
  }
}

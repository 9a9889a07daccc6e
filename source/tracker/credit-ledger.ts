/**
 * The rules that keep UPDATE's bytes bounded. A node can only credit owners of the file it
 * names, never itself nor a node of its own host (but on loopback: a demo), never more than the
 * file's size per owner, never more than the file's size in total for one (reporting host,
 * file) pair however many UPDATEs, download ids or node ids that host uses, and a retransmitted
 * UPDATE (same downloadId) credits nothing. The size is what the file's first owner announced,
 * so bytes still cannot be trusted to rank owners: the rank counts distinct downloader hosts
 * instead (contributions.ts, ranking.ts).
 */
import type { Credit } from '../protocol/messages.ts';
import type { CreditOp } from './store/ops.ts';

/** Entries remembered per map; the oldest are forgotten first. */
export const DEFAULT_CREDIT_MEMORY_ENTRIES = 100_000;

/** A Map that forgets its oldest entries beyond `maxEntries`, so memory stays bounded. */
export class BoundedMap<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  set(key: string, value: V): void {
    // Re-inserting moves a key to the newest end: it was just used.
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }
}

/** One UPDATE as the ledger sees it. */
export interface CreditRequest {
  senderId: number;
  /**
   * Host key of the sender (host-key.ts): caps and download ids are per host, since one host
   * can register many ids. Without it (an old replica op) the sender id stands in.
   */
  reporterHost?: string;
  downloadIdHex: string;
  infohashHex: string;
  sizeBytes: number;
  credits: readonly Credit[];
  /**
   * True for a node that may be credited: it owns the file now (and is not dropped), and is
   * not on the reporter's own host (contributions.ts).
   */
  mayBeCredited: (nodeId: number) => boolean;
}

/** What the ledger allows: a retransmission, or the credits to apply (possibly none). */
export type CreditDecision = { duplicate: true } | { duplicate: false; granted: Credit[] };

/** Download ids are per reporting host (or sender id, for an old replica op). */
function downloadKeyOf(
  request: Pick<CreditRequest, 'senderId' | 'reporterHost' | 'downloadIdHex'>,
): string {
  return `${request.reporterHost ?? `node ${request.senderId}`}|${request.downloadIdHex}`;
}

/** Remembers which downloads were credited and how much each (host, file) pair has given. */
export class CreditLedger {
  private readonly appliedDownloads: BoundedMap<true>;
  private readonly givenBytes: BoundedMap<number>;

  constructor(maxEntries = DEFAULT_CREDIT_MEMORY_ENTRIES) {
    this.appliedDownloads = new BoundedMap(maxEntries);
    this.givenBytes = new BoundedMap(maxEntries);
  }

  /** True for an UPDATE decided before (a retransmission): decide() would credit nothing. */
  decided(request: Pick<CreditRequest, 'senderId' | 'reporterHost' | 'downloadIdHex'>): boolean {
    return this.appliedDownloads.has(downloadKeyOf(request));
  }

  /** Applies the caps and records the result; the caller adds `granted` to the owners. */
  decide(request: CreditRequest): CreditDecision {
    const reporter = request.reporterHost ?? `node ${request.senderId}`;
    const downloadKey = downloadKeyOf(request);
    if (this.appliedDownloads.has(downloadKey)) return { duplicate: true };
    this.appliedDownloads.set(downloadKey, true);

    const pairKey = `${reporter}|${request.infohashHex}`;
    let givenSoFar = this.givenBytes.get(pairKey) ?? 0;
    const granted: Credit[] = [];
    for (const credit of request.credits) {
      if (credit.nodeId === request.senderId || !request.mayBeCredited(credit.nodeId)) continue;
      const bytes = Math.min(credit.bytes, request.sizeBytes, request.sizeBytes - givenSoFar);
      if (!(bytes > 0)) continue;
      givenSoFar += bytes;
      granted.push({ nodeId: credit.nodeId, bytes });
    }
    if (granted.length > 0) this.givenBytes.set(pairKey, givenSoFar);
    return { duplicate: false, granted };
  }

  /**
   * An UPDATE already accepted, by another tracker of the swarm or by this one before a
   * restart: its owners were checked then; only the caps and the memory of it apply.
   */
  recall(op: CreditOp): CreditDecision {
    return this.decide({
      senderId: op.senderId,
      reporterHost: op.reporterHost,
      downloadIdHex: op.downloadIdHex,
      infohashHex: op.infohash,
      sizeBytes: op.sizeBytes,
      credits: op.granted,
      mayBeCredited: () => true,
    });
  }
}

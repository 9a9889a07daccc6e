/**
 * The peers pane's rows: who downloads from this node, with its upload slot and rate. Rates come
 * from the seeder's per-requester byte counts, sampled about once a second.
 */
import { formatAddress } from '../format.ts';
import type { UploadPeerSnapshot } from './peer-snapshot.ts';
import { requesterKey, type SeederStats } from './seeder.ts';

/** Rows shown at most: the busiest peers. */
const MAX_ROWS = 64;

export class UploadPeers {
  private lastBytes = new Map<string, number>();
  private lastSampleMs = Number.NEGATIVE_INFINITY;
  private rows: UploadPeerSnapshot[] = [];

  /** Recomputes the rows from the seeder's figures (rates over the time since the last call). */
  sample(stats: SeederStats, nowMs: number): void {
    const elapsedMs = nowMs - this.lastSampleMs;
    const slotOf = new Map(stats.slots.map((holder) => [holder.key, holder.slot]));
    const bytes = new Map<string, number>();
    const rows: UploadPeerSnapshot[] = [];
    for (const peer of stats.peers) {
      const key = requesterKey({ address: peer.address, port: peer.port });
      bytes.set(key, peer.bytesServed);
      if (!slotOf.has(key)) continue; // asked nothing lately
      // A peer the ledger forgot and met again counts from 0: never a negative rate.
      const before = this.lastBytes.get(key) ?? peer.bytesServed;
      rows.push({
        address: formatAddress({ address: peer.address, port: peer.port }),
        slot: slotOf.get(key) ?? 'choked',
        rateBytesPerSec:
          Number.isFinite(elapsedMs) && elapsedMs > 0
            ? (Math.max(0, peer.bytesServed - before) * 1000) / elapsedMs
            : 0,
        bytesServed: peer.bytesServed,
      });
    }
    rows.sort((a, b) => b.rateBytesPerSec - a.rateBytesPerSec || b.bytesServed - a.bytesServed);
    this.rows = rows.slice(0, MAX_ROWS);
    this.lastBytes = bytes;
    this.lastSampleMs = nowMs;
  }

  get snapshot(): UploadPeerSnapshot[] {
    return this.rows;
  }
}

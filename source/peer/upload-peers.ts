/**
 * The peers pane's rows: who downloads from this node, with its upload slot and rate. Rates come
 * from the seeder's per-requester byte counts, sampled about once a second.
 */
import { formatAddress } from '../format.ts';
import type { HostPort } from '../protocol/messages.ts';
import type { UploadPeerSnapshot } from './peer-snapshot.ts';
import { requesterKey, type UploadStats } from './seeder.ts';

/** Rows shown at most: the busiest peers. */
const MAX_ROWS = 64;

export class UploadPeers {
  private lastBytes = new Map<string, number>();
  private lastSampleMs = Number.NEGATIVE_INFINITY;
  private rows: UploadPeerSnapshot[] = [];
  /** Where each row's peer asks from, in the rows' order. */
  private hosts: HostPort[] = [];

  /**
   * Recomputes the rows from the seeder's figures (rates over the time since the last call);
   * `idOf` names each peer's node as far as the tracker said (peer-names.ts).
   */
  sample(stats: UploadStats, nowMs: number, idOf: (address: HostPort) => number | null): void {
    const elapsedMs = nowMs - this.lastSampleMs;
    const slotOf = new Map(stats.slots.map((holder) => [holder.key, holder.slot]));
    const bytes = new Map<string, number>();
    const entries: { row: UploadPeerSnapshot; host: HostPort }[] = [];
    for (const peer of stats.peers) {
      const key = requesterKey({ address: peer.address, port: peer.port });
      bytes.set(key, peer.bytesServed);
      if (!slotOf.has(key)) continue; // asked nothing lately
      // A peer the ledger forgot and met again counts from 0: never a negative rate.
      const before = this.lastBytes.get(key) ?? peer.bytesServed;
      const host = { host: peer.address, port: peer.port };
      const row: UploadPeerSnapshot = {
        nodeId: idOf(host),
        address: formatAddress({ address: peer.address, port: peer.port }),
        slot: slotOf.get(key) ?? 'choked',
        rateBytesPerSec:
          Number.isFinite(elapsedMs) && elapsedMs > 0
            ? (Math.max(0, peer.bytesServed - before) * 1000) / elapsedMs
            : 0,
        bytesServed: peer.bytesServed,
      };
      entries.push({ row, host });
    }
    entries.sort(
      (a, b) =>
        b.row.rateBytesPerSec - a.row.rateBytesPerSec || b.row.bytesServed - a.row.bytesServed,
    );
    const shown = entries.slice(0, MAX_ROWS);
    this.rows = shown.map((entry) => entry.row);
    this.hosts = shown.map((entry) => entry.host);
    this.lastBytes = bytes;
    this.lastSampleMs = nowMs;
  }

  /** The rows' addresses, for asking the tracker who is there. */
  get addresses(): readonly HostPort[] {
    return this.hosts;
  }

  /** Names the rows again, after the tracker answered who is where. */
  rename(idOf: (address: HostPort) => number | null): void {
    this.rows = this.rows.map((row, i) => ({ ...row, nodeId: idOf(this.hosts[i]!) }));
  }

  get snapshot(): UploadPeerSnapshot[] {
    return this.rows;
  }
}

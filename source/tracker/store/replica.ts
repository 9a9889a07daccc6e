/**
 * Applies another tracker's operations to this tracker's copy of a shared swarm. Each op is a
 * delta (see ops.ts), applied idempotently where it can be: a node set twice is the same node,
 * an owner added twice is one owner. Credits are replayed through this tracker's own ledger so
 * its memory of applied downloads matches the tracker that accepted the UPDATE.
 */
import type { CreditLedger } from '../credit-ledger.ts';
import { hostKeyOf } from '../host-key.ts';
import type { OwnerIndex } from '../owner-index.ts';
import { MAX_DOWNLOADER_HOSTS, type NodeRecord, type Registry } from '../registry.ts';
import { restoreNode } from '../restore.ts';
import type { NodeSession, StateOp } from './ops.ts';

/** The parts of a TrackerState a replica changes, and the time in both clocks. */
export interface ReplicaParts {
  registry: Registry;
  index: OwnerIndex;
  ledger: CreditLedger;
  /** The tracker each node talks to (`host:port`), kept when trackers share the swarm. */
  via: Map<number, string>;
  nowMs: number;
  wallNowMs: number;
}

/** Monotonic time of a wall-clock instant, never in the future. */
function monotonicOf(wallMs: number, parts: Pick<ReplicaParts, 'nowMs' | 'wallNowMs'>): number {
  return parts.nowMs - Math.max(0, parts.wallNowMs - wallMs);
}

/** Applies one op another tracker journaled. */
export function applyRemoteOp(op: StateOp, parts: ReplicaParts): void {
  const { registry, index } = parts;
  switch (op.op) {
    case 'node-set': {
      const existing = registry.get(op.node.nodeId);
      const record = withSession(restoreNode(op.node, 0), op.session, parts);
      // Credits move by 'credit' ops only: a record written before a concurrent credit on
      // another tracker must not undo it.
      if (existing) {
        record.uploadCredit = existing.uploadCredit;
        registry.remove(existing.nodeId, null);
      }
      registry.add(record);
      if (op.session.via) parts.via.set(record.nodeId, op.session.via);
      return;
    }
    case 'node-delete':
      parts.via.delete(op.nodeId);
      index.removeOwner(op.nodeId);
      registry.remove(op.nodeId, parts.nowMs);
      return;
    case 'heard': {
      const node = registry.get(op.nodeId);
      const heardMs = monotonicOf(op.heardAtWallMs, parts);
      if (node && heardMs > node.lastHeardMs) {
        node.lastHeardMs = heardMs;
        node.reportedLate = false;
        if (op.via) parts.via.set(op.nodeId, op.via);
      }
      return;
    }
    case 'own':
      if (!registry.get(op.nodeId)) return;
      index.addOwner(Buffer.from(op.infohash, 'hex'), op.name, op.size, op.nodeId, op.complete);
      return;
    case 'withdraw':
      index.withdraw(op.infohash, op.nodeId);
      return;
    case 'credit': {
      const decision = parts.ledger.decide({
        senderId: op.senderId,
        reporterHost: op.reporterHost,
        downloadIdHex: op.downloadIdHex,
        infohashHex: op.infohash,
        sizeBytes: op.sizeBytes,
        credits: op.granted,
        // The accepting tracker already checked ownership; replay only its caps and memory.
        isOwner: () => true,
      });
      if (decision.duplicate) return;
      for (const credit of op.granted) {
        const owner = registry.get(credit.nodeId);
        if (!owner) continue;
        owner.uploadCredit = Math.min(Number.MAX_SAFE_INTEGER, owner.uploadCredit + credit.bytes);
        // As applyUpdate ranks: another host vouching counts once, up to the bound.
        const hosts = owner.downloaderHosts;
        if (hostKeyOf(owner.address) !== op.reporterHost && hosts.size < MAX_DOWNLOADER_HOSTS) {
          hosts.add(op.reporterHost);
        }
      }
      return;
    }
  }
}

/** A restored record with the token and last-heard time of a live session. */
export function withSession(
  record: NodeRecord,
  session: NodeSession,
  parts: Pick<ReplicaParts, 'nowMs' | 'wallNowMs'>,
): NodeRecord {
  record.token = session.tokenHex === null ? null : Buffer.from(session.tokenHex, 'hex');
  record.lastHeardMs = monotonicOf(session.heardAtWallMs, parts);
  return record;
}

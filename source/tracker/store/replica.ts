/**
 * Applies another tracker's operations to this tracker's copy of a shared swarm. Each op is a
 * delta (see ops.ts), applied idempotently where it can be: a node set twice is the same node,
 * an owner added twice is one owner. Credits are replayed through this tracker's own ledger so
 * its memory of applied downloads matches the tracker that accepted the UPDATE.
 */
import type { CreditLedger } from '../credit-ledger.ts';
import type { OwnerIndex } from '../owner-index.ts';
import { creditOwner, type NodeRecord, type Registry } from '../registry.ts';
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
      if (op.session.via) noteVia(parts.via, record.nodeId, op.session.via);
      return;
    }
    case 'node-delete':
      parts.via.delete(op.nodeId);
      index.removeOwner(op.nodeId);
      registry.remove(op.nodeId, parts.nowMs);
      return;
    case 'heard': {
      const heardMs = monotonicOf(op.heardAtWallMs, parts);
      for (const nodeId of op.nodeIds) {
        const node = registry.get(nodeId);
        if (node && heardMs > node.lastHeardMs) {
          node.lastHeardMs = heardMs;
          node.reportedLate = false;
          if (op.via) noteVia(parts.via, nodeId, op.via);
        }
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
      const decision = parts.ledger.recall(op);
      if (decision.duplicate) return;
      for (const credit of op.granted) {
        const owner = registry.get(credit.nodeId);
        if (!owner) continue;
        // As applyUpdate credits: the same cap, the same rank.
        creditOwner(owner, credit.bytes, op.reporterHost);
      }
      return;
    }
  }
}

/**
 * Sets the tracker a node talks to, unless it is already the same text: each batch brings its
 * own copy of the string, and a copy stored for every heartbeat survived young-generation
 * collections (one per node per batch), where the text barely ever changes.
 */
function noteVia(via: Map<number, string>, nodeId: number, tracker: string): void {
  if (via.get(nodeId) !== tracker) via.set(nodeId, tracker);
}

/** A restored record with the token and last-heard time of a live session. */
export function withSession(
  record: NodeRecord,
  session: NodeSession,
  parts: Pick<ReplicaParts, 'nowMs' | 'wallNowMs'>,
): NodeRecord {
  // Through the bytes, as a token from the wire is keyed: a store's text is not trusted to be
  // lowercase hex.
  record.tokenHex =
    session.tokenHex === null ? null : Buffer.from(session.tokenHex, 'hex').toString('hex');
  record.lastHeardMs = monotonicOf(session.heardAtWallMs, parts);
  return record;
}

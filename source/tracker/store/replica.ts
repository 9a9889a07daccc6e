/**
 * Applies another tracker's operations to this tracker's copy of a shared swarm. Each op is a
 * delta (see ops.ts), applied idempotently where it can be: a node set twice is the same node,
 * an owner added twice is one owner. Credits are replayed through this tracker's own ledger so
 * its memory of applied downloads matches the tracker that accepted the UPDATE.
 */
import type { CreditLedger } from '../credit-ledger.ts';
import type { OwnerIndex } from '../owner-index.ts';
import type { PersistedNode } from '../persisted.ts';
import { creditOwner, type NodeRecord, type Registry } from '../registry.ts';
import { restoreNode } from '../restore.ts';
import type { CreditOp, NodeSession, StateOp } from './ops.ts';

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
      grant(op, parts);
      return;
    }
  }
}

/**
 * Makes the replica what a whole copy of the shared swarm says (`whole`: the ops that rebuild it
 * in an empty state, read at once), then applies `unwritten` again: this tracker's own changes,
 * made after the copy was read. For a tracker that missed more batches than the store keeps:
 * before, it reported them missed and answered from a stale swarm until it restarted.
 */
export function resyncReplica(
  whole: readonly StateOp[],
  unwritten: readonly StateOp[],
  parts: ReplicaParts,
): void {
  const { registry, index } = parts;
  const nodeIds = new Set<number>();
  const owned = new Set<string>();
  for (const op of whole) {
    if (op.op === 'node-set') nodeIds.add(op.node.nodeId);
    else if (op.op === 'own') owned.add(`${op.infohash}:${op.nodeId}`);
  }
  const gone = [...registry.nodes()].filter((node) => !nodeIds.has(node.nodeId));
  for (const { nodeId } of gone)
    applyRemoteOp({ op: 'node-delete', nodeId, infohashes: [] }, parts);
  const withdrawn: [string, number][] = [];
  for (const file of index.all()) {
    for (const nodeId of file.ownerIds()) {
      if (!owned.has(`${file.infohashHex}:${nodeId}`)) withdrawn.push([file.infohashHex, nodeId]);
    }
  }
  for (const [infohash, nodeId] of withdrawn) index.withdraw(infohash, nodeId);
  for (const op of whole) {
    if (op.op === 'node-set') setFromCopy(op.node, op.session, parts);
    else if (op.op === 'credit') {
      // The copy's records hold its sums less these (see opsFromSwarm): each is added back,
      // whether or not this tracker's ledger knew the UPDATE.
      parts.ledger.recall(op);
      grant(op, parts);
    } else applyRemoteOp(op, parts);
  }
  for (const op of unwritten) {
    // This tracker accepted the UPDATE (its ledger knows it): its credits, not in the copy, go
    // back on as they were.
    if (op.op === 'credit') grant(op, parts);
    else applyRemoteOp(op, parts);
  }
}

/** A node as the copy has it, credit included; heard as late as either side heard it. */
function setFromCopy(node: PersistedNode, session: NodeSession, parts: ReplicaParts): void {
  const existing = parts.registry.get(node.nodeId);
  const record = withSession(restoreNode(node, 0), session, parts);
  if (existing) {
    record.lastHeardMs = Math.max(record.lastHeardMs, existing.lastHeardMs);
    parts.registry.remove(existing.nodeId, null);
  }
  parts.registry.add(record);
  if (session.via) noteVia(parts.via, record.nodeId, session.via);
}

/** Credits each owner an accepted UPDATE names, as applyUpdate does: the same cap, the same rank. */
function grant(op: CreditOp, parts: ReplicaParts): void {
  for (const credit of op.granted) {
    const owner = parts.registry.get(credit.nodeId);
    if (owner) creditOwner(owner, credit.bytes, op.reporterHost);
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

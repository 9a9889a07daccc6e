/**
 * What changed in a tracker's state, one operation per change, as plain JSON-safe values. The
 * embedded store reads which records an operation touched and writes their newest form; the
 * Redis store also publishes the operations so other trackers apply them to their replicas.
 * Operations are deltas (an owner added, bytes credited), not whole records, so two trackers
 * changing one file or one node's credit at the same time both keep their change.
 */
import type { Credit } from '../../protocol/messages.ts';
import type { PersistedNode } from '../persisted.ts';

/** A node's session: what lets any tracker of a shared swarm accept its next message. */
export interface NodeSession {
  /** Session token, hex; null for a node restored from disk that has not registered again. */
  tokenHex: string | null;
  /** Wall-clock time the node was last heard (monotonic times differ between processes). */
  heardAtWallMs: number;
  /** The tracker that heard it (`host:port`), when trackers share the swarm. */
  via?: string;
}

/** One change of the tracker state. */
export type StateOp =
  /** A node registered (joined, re-registered or rejoined): its whole record and session. */
  | { op: 'node-set'; node: PersistedNode; session: NodeSession }
  /** A node left or was dropped, with the files it owned (each lost this owner). */
  | { op: 'node-delete'; nodeId: number; infohashes: string[] }
  /**
   * Nodes were heard (only journaled when liveness is shared between trackers). A store folds
   * a batch's heartbeats into one op (foldHeard in redis-layout.ts): at 100k nodes they are
   * most of the ops, and one object each cost the other trackers more to parse than to apply.
   */
  | { op: 'heard'; nodeIds: number[]; heardAtWallMs: number; via?: string }
  /** A node owns a file (complete, or partial: some verified pieces). */
  | { op: 'own'; infohash: string; name: string; size: number; nodeId: number; complete: boolean }
  /** A node stopped serving a file. */
  | { op: 'withdraw'; infohash: string; nodeId: number }
  /**
   * An UPDATE the credit ledger accepted, with the credits it granted. A replica replays it
   * through its own ledger, so a retransmission sent to another tracker credits nothing.
   */
  | {
      op: 'credit';
      senderId: number;
      /** The sender's host key (host-key.ts): the ledger's caps and a node's rank count hosts. */
      reporterHost: string;
      downloadIdHex: string;
      infohash: string;
      sizeBytes: number;
      granted: Credit[];
    };

/** An accepted UPDATE: what the credit ledger remembers. */
export type CreditOp = Extract<StateOp, { op: 'credit' }>;

/** Operations from one tracker, in the order they happened. */
export interface OpBatch {
  /** The tracker that made the changes (its listening address, `host:port`). */
  trackerId: string;
  ops: StateOp[];
  /**
   * Published with a write-back of the whole swarm (see RedisStore): its number jumps past every
   * number the trackers have seen, on purpose, and is no gap.
   */
  restored?: true;
  /**
   * Names the batch among all trackers' (its tracker's start nonce and count), so that a tracker
   * taking batches again after it was away knows which it has: numbers go back when Redis does.
   */
  id?: string;
}

/** The node ids and infohashes whose records a batch of operations changed. */
export interface TouchedKeys {
  nodes: Set<number>;
  files: Set<string>;
}

/** Adds the records `ops` touched to `into` (liveness alone touches no persisted record). */
export function collectTouched(ops: readonly StateOp[], into: TouchedKeys): void {
  for (const op of ops) {
    switch (op.op) {
      case 'node-set':
        into.nodes.add(op.node.nodeId);
        break;
      case 'node-delete':
        into.nodes.add(op.nodeId);
        for (const infohash of op.infohashes) into.files.add(infohash);
        break;
      case 'own':
      case 'withdraw':
        into.files.add(op.infohash);
        break;
      case 'credit':
        for (const credit of op.granted) into.nodes.add(credit.nodeId);
        break;
      case 'heard':
        break;
    }
  }
}

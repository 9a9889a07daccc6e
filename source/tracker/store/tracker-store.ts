/**
 * The one interface the tracker's state sits behind: the embedded store (LMDB in tracker_db/,
 * the default) and Redis (several trackers serving one swarm). The tracker keeps its whole
 * state in memory and answers from it; a store loads it at start, writes each batch of changes
 * as it happens (never the whole state), and, when shared, brings other trackers' changes.
 */
import type { PersistedFile, PersistedNode, PersistedTracker } from '../persisted.ts';
import type { CreditOp, OpBatch, StateOp } from './ops.ts';

/** Bytes of the swarm secret a store keeps (HMAC-SHA-256 keys). */
export const TRACKER_SECRET_BYTES = 32;

/** What a store holds at start. */
export interface StoreLoad {
  /** Records to rebuild the state from (nodes come back without a session). */
  persisted: PersistedTracker;
  /** Applied after `persisted` (a shared store: sessions, liveness, partial owners). */
  ops: StateOp[];
  /**
   * UPDATEs whose credits `persisted` already holds, oldest first: the credit ledger remembers
   * them (not applied again), so one resent after a restart credits nothing.
   */
  credited: CreditOp[];
  /** The swarm's secret, created on first start and the same on every tracker sharing it. */
  trackerSecret: Buffer;
  /** One sentence per thing a person should know (migrations, entries left out). */
  notes: string[];
}

/** Reads the newest form of a record from the live state when a batch is written. */
export interface RecordReader {
  persistedNode(nodeId: number): PersistedNode | null;
  persistedFile(infohashHex: string): PersistedFile | null;
  /** The whole state as ops (a shared store that lost the swarm writes it back). */
  stateAsOps(nowMs: number): StateOp[];
}

/** What a shared store brings from the other trackers. */
export interface RemoteListener {
  /** A batch of changes another tracker made, in publication order. */
  batch(batch: OpBatch): void;
  /**
   * The whole swarm, read again because this tracker missed more batches than the store keeps:
   * the replica becomes `whole` (ops that rebuild it, as a load's), then takes `unwritten`
   * again: this tracker's own changes, which the read could not hold yet.
   */
  wholeSwarm(whole: StateOp[], unwritten: StateOp[]): void;
}

/** Why a store could not be opened, with a sentence for a person. */
export interface StoreError {
  code: 'store-unavailable';
  message: string;
}

/** Where a tracker's state lives. */
export interface TrackerStore {
  /** For logs and the view: a folder or a redis:// URL. */
  readonly location: string;
  /** True when other trackers share this store (liveness is journaled, changes arrive). */
  readonly shared: boolean;
  /** Batches committed since open. */
  readonly writes: number;
  /**
   * A shared store: since when (the tracker's clock) it is out, null while it answers. Nodes
   * heard through other trackers cannot be told from gone ones meanwhile.
   */
  readonly outageSinceMs?: number | null;
  /** Everything needed to start; called once. */
  load(wallNowMs: number): Promise<StoreLoad>;
  /** Changes made by this tracker; written within the store's batch delay. */
  record(batch: OpBatch, reader: RecordReader): void;
  /** Changes other trackers made (never called by a store that is not shared). */
  onRemote(listener: RemoteListener): void;
  /** Resolves when every change recorded so far has been through a write (see BatchWriter). */
  afterPendingWritten(): Promise<void>;
  /** Writes what is pending; true when the store holds the current state. */
  flush(): Promise<boolean>;
  /** Flushes and releases files and connections. */
  close(): Promise<void>;
}

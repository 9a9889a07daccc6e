/**
 * The operations a TrackerState made since a store last took them. Kept inside the pure state
 * machine so the store sees exactly the changes a request caused, in order, and writes only
 * those records — never the whole state.
 */
import type { OwnEntry, UpdateMessage } from '../../protocol/messages.ts';
import type { TrackerEvent } from '../events.ts';
import type { NodeRecord } from '../registry.ts';
import { persistNode } from '../restore.ts';
import type { StateOp } from './ops.ts';

/** Records StateOps as the state changes. */
export class StateJournal {
  private ops: StateOp[] = [];

  /**
   * With `via` (this tracker's `host:port`, given when trackers share the swarm), every message
   * heard is an op too, naming this tracker: the others keep the node alive and show who talks
   * to it.
   */
  constructor(private readonly via: string | null) {}

  /** Operations since the last take(), oldest first; the journal starts empty again. */
  take(): StateOp[] {
    const ops = this.ops;
    this.ops = [];
    return ops;
  }

  get pending(): number {
    return this.ops.length;
  }

  nodeSet(node: NodeRecord, wallNowMs: number): void {
    const { tokenHex } = node;
    this.ops.push({
      op: 'node-set',
      node: persistNode(node),
      session: { tokenHex, heardAtWallMs: wallNowMs, ...(this.via ? { via: this.via } : {}) },
    });
  }

  nodeDelete(nodeId: number, infohashes: string[]): void {
    this.ops.push({ op: 'node-delete', nodeId, infohashes });
  }

  heard(nodeId: number, wallNowMs: number): void {
    if (this.via) {
      this.ops.push({ op: 'heard', nodeIds: [nodeId], heardAtWallMs: wallNowMs, via: this.via });
    }
  }

  /** An OWN that changed the index (added, completed or withdrew an owner). */
  own(request: OwnEntry, nodeId: number): void {
    const infohash = request.infohash.toString('hex');
    if (request.state === 'withdrawn') {
      this.ops.push({ op: 'withdraw', infohash, nodeId });
      return;
    }
    const { name, size } = request;
    const complete = request.state === 'complete';
    this.ops.push({ op: 'own', infohash, name, size, nodeId, complete });
  }

  /** An UPDATE that credited owners; `credits` are its 'credited' events. */
  credits(
    request: UpdateMessage,
    senderId: number,
    reporterHost: string,
    sizeBytes: number,
    credits: readonly TrackerEvent[],
  ): void {
    const granted = credits.flatMap((e) =>
      e.kind === 'credited' ? [{ nodeId: e.toNodeId, bytes: e.bytes }] : [],
    );
    this.ops.push({
      op: 'credit',
      senderId,
      reporterHost,
      downloadIdHex: request.downloadId.toString('hex'),
      infohash: request.infohash.toString('hex'),
      sizeBytes,
      granted,
    });
  }
}

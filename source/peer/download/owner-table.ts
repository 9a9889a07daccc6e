import type { OwnerSession } from './owner-session.ts';

/**
 * The owners one download has met, in the order it met them, each found by its node id: the
 * name blocks and pieces use for it (PieceAssembly). No bound and no reuse of names: a banned
 * owner stays listed (so it stays excluded at the tracker) and costs its session only.
 */
export class OwnerTable implements Iterable<OwnerSession> {
  private readonly list: OwnerSession[] = [];
  private readonly byId = new Map<number, OwnerSession>();

  get size(): number {
    return this.list.length;
  }

  /** Every owner met, in the order met. */
  get all(): readonly OwnerSession[] {
    return this.list;
  }

  get(nodeId: number): OwnerSession | undefined {
    return this.byId.get(nodeId);
  }

  /** Adds an owner not met before (ids are unique within a download). */
  add(owner: OwnerSession): void {
    if (this.byId.has(owner.nodeId)) throw new Error(`node ${owner.nodeId} is already an owner`);
    this.list.push(owner);
    this.byId.set(owner.nodeId, owner);
  }

  [Symbol.iterator](): Iterator<OwnerSession> {
    return this.list[Symbol.iterator]();
  }
}

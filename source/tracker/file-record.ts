/**
 * One file known to the swarm and the nodes that serve it, complete or partial. Owners are held
 * as OneOrMany (see multimap.ts): most files have one owner and no partial one, so a file costs
 * no Set until a second node serves it.
 */
import { countOf, holds, type OneOrMany, valuesOf, withoutValue, withValue } from './multimap.ts';

/** What adding an owner did: a new owner, a partial owner now complete, or nothing. */
export type OwnerChange = 'added' | 'completed' | 'already-owner';

/** One file known to the swarm. */
export class FileRecord {
  /** Every owner, complete or partial. */
  private owners: OneOrMany<number> = undefined;
  /** The owners that have only some pieces (downloaders that already serve what they have). */
  private partialOwners: OneOrMany<number> = undefined;

  constructor(
    /** The infohash, hex: the index's key. Kept once: replies convert it back to bytes. */
    readonly infohashHex: string,
    readonly name: string,
    readonly sizeBytes: number,
  ) {}

  /** The infohash as bytes (a new Buffer each call), for a reply. */
  infohash(): Buffer {
    return Buffer.from(this.infohashHex, 'hex');
  }

  /** Owners, complete or partial. */
  get ownerCount(): number {
    return countOf(this.owners);
  }

  /** Owners that have only some pieces. */
  get partialOwnerCount(): number {
    return countOf(this.partialOwners);
  }

  hasOwner(nodeId: number): boolean {
    return holds(this.owners, nodeId);
  }

  isPartialOwner(nodeId: number): boolean {
    return holds(this.partialOwners, nodeId);
  }

  /** Owner ids, complete or partial, uncopied: do not add or remove owners while iterating. */
  ownerIds(): Iterable<number> {
    return valuesOf(this.owners);
  }

  /**
   * Records `nodeId` as an owner, complete or partial. A partial owner that announces the whole
   * file becomes complete; a complete owner never goes back to partial.
   */
  addOwner(nodeId: number, complete: boolean): OwnerChange {
    if (holds(this.owners, nodeId)) {
      if (!complete || !holds(this.partialOwners, nodeId)) return 'already-owner';
      this.partialOwners = withoutValue(this.partialOwners, nodeId);
      return 'completed';
    }
    this.owners = withValue(this.owners, nodeId);
    if (!complete) this.partialOwners = withValue(this.partialOwners, nodeId);
    return 'added';
  }

  /** `nodeId` no longer serves this file; false when it did not. */
  removeOwner(nodeId: number): boolean {
    if (!holds(this.owners, nodeId)) return false;
    this.owners = withoutValue(this.owners, nodeId);
    this.partialOwners = withoutValue(this.partialOwners, nodeId);
    return true;
  }
}

import { Bitfield } from './bitfield.ts';

/**
 * Which piece an owner should fetch next. Pieces are handed out one at a time as owners ask
 * (not as K fixed ranges), so a fast owner does more and a dead owner's pieces return to the
 * pool. Which owner *can* serve which piece is a per-owner question (`ownerHas`): today every
 * owner has every piece, but swarming will give owners partial sets.
 */
export class PieceScheduler {
  readonly verified: Bitfield;
  /** Pieces some owner is working on now. */
  private readonly active: Bitfield;
  /** Pieces given back (dead owner, failed hash), offered again before new ones. */
  private readonly returned: number[] = [];
  /** Every piece below this index has been handed out at least once. */
  private cursor = 0;

  constructor(
    readonly pieceCount: number,
    verified?: Bitfield,
  ) {
    this.verified = verified ?? new Bitfield(pieceCount);
    this.active = new Bitfield(pieceCount);
  }

  get complete(): boolean {
    return this.verified.full;
  }

  /** Hands the next missing piece that `ownerHas` to an owner, or -1 when none is left. */
  take(ownerHas: (piece: number) => boolean): number {
    for (let index = this.returned.length - 1; index >= 0; index--) {
      const piece = this.returned[index]!;
      if (this.verified.has(piece) || this.active.has(piece)) {
        this.returned.splice(index, 1);
        continue;
      }
      if (!ownerHas(piece)) continue;
      this.returned.splice(index, 1);
      this.active.add(piece);
      return piece;
    }
    while (this.cursor < this.pieceCount) {
      const piece = this.cursor;
      if (this.verified.has(piece) || this.active.has(piece)) {
        this.cursor++;
        continue;
      }
      if (!ownerHas(piece)) break;
      this.cursor++;
      this.active.add(piece);
      return piece;
    }
    // Owners with partial sets: look past the cursor (rare today, so a plain scan is fine).
    for (let piece = this.cursor; piece < this.pieceCount; piece++) {
      if (!this.verified.has(piece) && !this.active.has(piece) && ownerHas(piece)) {
        this.active.add(piece);
        return piece;
      }
    }
    return -1;
  }

  /** A piece goes back to the pool (its owner died or its hash failed). */
  release(piece: number): void {
    if (!this.active.has(piece)) return;
    this.active.delete(piece);
    if (!this.verified.has(piece)) this.returned.push(piece);
  }

  /** A verified piece that could not be kept (its write failed): fetch it again. */
  requeue(piece: number): void {
    this.verified.delete(piece);
    this.active.delete(piece);
    this.returned.push(piece);
  }

  markVerified(piece: number): void {
    this.active.delete(piece);
    this.verified.add(piece);
  }

  /** Pieces neither verified nor being fetched. */
  get unassignedCount(): number {
    return this.pieceCount - this.verified.count - this.active.count;
  }
}

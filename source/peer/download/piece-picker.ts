import { Bitfield } from './bitfield.ts';

/**
 * Until this many pieces are verified a peer gets a random piece instead of the rarest one:
 * a newcomer should finish *something* soon so it has a piece to trade, and rarest first
 * would send it after pieces few peers can serve (libtorrent's `initial_picker_threshold`).
 */
export const RANDOM_FIRST_PIECES = 4;

export interface PiecePickerOptions {
  /** A float in [0, 1); Math.random by default, a seeded generator in tests. */
  random?: () => number;
  /** Verified pieces below which take() picks at random (default RANDOM_FIRST_PIECES). */
  randomFirstPieces?: number;
}

/**
 * Random probes for a random-first piece: with a peer holding a fair share of the pieces one or
 * two probes hit, and a hit is uniform among its candidates (rejection sampling).
 */
const RANDOM_PROBES = 16;

/** Bucket entries a rarest-first scan may pass over before it walks the peer's pieces instead. */
const MIN_SCAN_BUDGET = 64;

const NOT_POOLED = -1;

/**
 * Which piece to start next for a peer, in BitTorrent's order (anacrolix/torrent's
 * request-strategy order, libtorrent): pieces given back first, then a few random pieces, then
 * rarest first with ties broken at random, so that many leechers do not all chase one piece.
 * Pure: no I/O, no clock; randomness comes in through the constructor.
 *
 * Pickable pieces (neither verified nor active) sit in buckets by how many partial peers have
 * them, each bucket in uniformly random order. A piece moves between buckets in O(1) on a HAVE,
 * and take() for a complete owner is O(1); a partial owner scans the rarest buckets until it
 * finds a piece it has, or walks its own bitfield when that is cheaper. Complete owners (seeds) are one counter: they raise every piece alike,
 * so they change availability but never the order.
 */
export class PiecePicker {
  readonly verified: Bitfield;
  /** Pieces some owner is working on now. */
  private readonly active: Bitfield;
  /** Pieces given back (dead owner, failed hash, lost write): offered before any other. */
  private readonly returned: number[] = [];
  /** Per piece: how many partial peers have it. */
  private readonly peerCounts: Int32Array;
  /** Complete owners, counted once instead of once per piece (addPeer(null) stays O(1)). */
  private seedCount = 0;
  /** buckets[k]: pickable pieces that k partial peers have, in uniformly random order. */
  private readonly buckets: number[][] = [[]];
  /** Per piece: its index in buckets[peerCounts[piece]], or NOT_POOLED if not pickable. */
  private readonly slots: Int32Array;
  private readonly random: () => number;
  private readonly randomFirstPieces: number;
  /** Index of the bitfields' last byte, and which of its bits name pieces. */
  private readonly lastByte: number;
  private readonly lastByteMask: number;

  constructor(
    readonly pieceCount: number,
    verified?: Bitfield,
    options: PiecePickerOptions = {},
  ) {
    this.verified = verified ?? new Bitfield(pieceCount);
    this.active = new Bitfield(pieceCount);
    this.peerCounts = new Int32Array(pieceCount);
    this.slots = new Int32Array(pieceCount).fill(NOT_POOLED);
    this.random = options.random ?? Math.random;
    this.randomFirstPieces = options.randomFirstPieces ?? RANDOM_FIRST_PIECES;
    this.lastByte = this.verified.bytes.length - 1;
    this.lastByteMask = (0xff << (this.verified.bytes.length * 8 - pieceCount)) & 0xff;
    for (let piece = 0; piece < pieceCount; piece++) {
      if (!this.verified.has(piece)) this.enterPool(piece);
    }
  }

  get complete(): boolean {
    return this.verified.full;
  }

  /** Pieces neither verified nor being fetched. */
  get unassignedCount(): number {
    return this.pieceCount - this.verified.count - this.active.count;
  }

  /**
   * The next piece to start for a peer that has `peerHas` (null: a complete owner), now marked
   * active; -1 when the peer has no piece that is still needed and unassigned.
   */
  take(peerHas: Bitfield | null): number {
    let piece = this.pickReturned(peerHas);
    if (piece < 0) piece = this.pickNew(peerHas);
    if (piece >= 0) {
      this.leavePool(piece);
      this.active.add(piece);
    }
    return piece;
  }

  /** A piece goes back to the pool (its owner died or its hash failed). */
  release(piece: number): void {
    if (!this.active.has(piece)) return;
    this.active.delete(piece);
    if (this.verified.has(piece)) return;
    this.returned.push(piece);
    this.enterPool(piece);
  }

  /** A verified piece that could not be kept (its write failed): fetch it again, first. */
  requeue(piece: number): void {
    this.verified.delete(piece);
    this.active.delete(piece);
    this.returned.push(piece);
    this.enterPool(piece);
  }

  markVerified(piece: number): void {
    this.leavePool(piece);
    this.active.delete(piece);
    this.verified.add(piece);
  }

  /** False for a piece out of range. */
  isVerified(piece: number): boolean {
    return piece < this.pieceCount && this.verified.has(piece);
  }

  isActive(piece: number): boolean {
    return this.active.has(piece);
  }

  /** Does this peer (null: a complete owner) have any piece we have not verified yet? */
  interesting(peerHas: Bitfield | null): boolean {
    if (peerHas === null) return !this.verified.full;
    for (let index = 0; index <= this.lastByte; index++) {
      const has = peerHas.bytes[index]! & (index === this.lastByte ? this.lastByteMask : 0xff);
      if ((has & ~this.verified.bytes[index]!) !== 0) return true;
    }
    return false;
  }

  /** How many connected owners have this piece, complete owners included. */
  availability(piece: number): number {
    return this.peerCounts[piece]! + this.seedCount;
  }

  /** An owner connected; `has` is its bitfield, null for a complete owner. */
  addPeer(has: Bitfield | null): void {
    if (has === null) this.seedCount++;
    else this.countPeer(has, 1);
  }

  /** An owner left; pass the same `has` it was counted with (plus its HAVEs since). */
  removePeer(has: Bitfield | null): void {
    if (has === null) this.seedCount = Math.max(0, this.seedCount - 1);
    else this.countPeer(has, -1);
  }

  /** A partial owner announced one more piece (HAVE). */
  addHave(piece: number): void {
    this.setPeerCount(piece, this.peerCounts[piece]! + 1);
  }

  /** A partial owner turned out not to have a piece it announced (it refused to send it). */
  removeHave(piece: number): void {
    const count = this.peerCounts[piece]!;
    if (count > 0) this.setPeerCount(piece, count - 1);
  }

  /** A piece not given back: random while too few are verified, rarest after. */
  private pickNew(peerHas: Bitfield | null): number {
    if (this.unassignedCount === 0) return -1;
    if (this.verified.count >= this.randomFirstPieces) return this.pickRarest(peerHas);
    for (let probe = 0; probe < RANDOM_PROBES; probe++) {
      const piece = Math.floor(this.random() * this.pieceCount);
      if (this.slots[piece] !== NOT_POOLED && owns(peerHas, piece)) return piece;
    }
    // Few of the pool's pieces are the peer's: rarest first also picks one of them at random.
    return this.pickRarest(peerHas);
  }

  /** The latest given-back piece the peer has (most recent first); drops stale entries. */
  private pickReturned(peerHas: Bitfield | null): number {
    for (let at = this.returned.length - 1; at >= 0; at--) {
      const piece = this.returned[at]!;
      const stale = this.slots[piece] === NOT_POOLED;
      if (!stale && !owns(peerHas, piece)) continue;
      this.returned.splice(at, 1);
      if (!stale) return piece;
    }
    return -1;
  }

  /**
   * Rarest first by walking the peer's candidates, O(pieces / 8 + candidates): the bound for a
   * peer whose pieces all sit in common buckets. Ties go by reservoir sampling: uniform.
   */
  private rarestCandidate(peerHas: Bitfield): number {
    let best = -1;
    let ties = 0;
    this.forEachCandidate(peerHas, (piece) => {
      const count = this.peerCounts[piece]!;
      if (best < 0 || count < this.peerCounts[best]!) {
        best = piece;
        ties = 1;
      } else if (count === this.peerCounts[best]! && this.random() * ++ties < 1) {
        best = piece;
      }
    });
    return best;
  }

  /** Calls `visit` for each candidate: a piece the peer has, neither verified nor active. */
  private forEachCandidate(peerHas: Bitfield | null, visit: (piece: number) => void): void {
    const { verified, active } = this;
    this.forEachPiece((index) => {
      const has = peerHas === null ? 0xff : peerHas.bytes[index]!;
      return has & ~verified.bytes[index]! & ~active.bytes[index]!;
    }, visit);
  }

  /**
   * From the rarest bucket up, a piece the peer has, scanning each bucket from a random start.
   * Usually the first few entries do; after pieces / 8 misses the peer's own walk is cheaper.
   */
  private pickRarest(peerHas: Bitfield | null): number {
    let budget = Math.max(MIN_SCAN_BUDGET, this.pieceCount >> 3);
    for (const bucket of this.buckets) {
      const size = bucket.length;
      if (size === 0) continue;
      const start = Math.floor(this.random() * size);
      for (let step = 0; step < size; step++) {
        const piece = bucket[(start + step) % size]!;
        if (owns(peerHas, piece)) return piece;
        if (--budget === 0 && peerHas !== null) return this.rarestCandidate(peerHas);
      }
    }
    return -1;
  }

  /** Never below zero: removing an owner twice must not make other pieces look rarer. */
  private countPeer(has: Bitfield, delta: 1 | -1): void {
    const visit = (piece: number) => {
      const count = this.peerCounts[piece]! + delta;
      if (count >= 0) this.setPeerCount(piece, count);
    };
    this.forEachPiece((index) => has.bytes[index]!, visit);
  }

  private setPeerCount(piece: number, count: number): void {
    const pooled = this.slots[piece] !== NOT_POOLED;
    if (pooled) this.leavePool(piece);
    this.peerCounts[piece] = count;
    if (pooled) this.enterPool(piece);
  }

  /** Adds a piece at a uniformly random place in its bucket (inside-out Fisher-Yates). */
  private enterPool(piece: number): void {
    if (this.slots[piece] !== NOT_POOLED) return;
    const level = this.peerCounts[piece]!;
    while (this.buckets.length <= level) this.buckets.push([]);
    const bucket = this.buckets[level]!;
    const at = Math.floor(this.random() * (bucket.length + 1));
    if (at < bucket.length) {
      const moved = bucket[at]!;
      this.slots[moved] = bucket.length;
      bucket.push(moved);
      bucket[at] = piece;
    } else {
      bucket.push(piece);
    }
    this.slots[piece] = at;
  }

  /** Removes a piece from its bucket in O(1): the last entry takes its place. */
  private leavePool(piece: number): void {
    const at = this.slots[piece]!;
    if (at === NOT_POOLED) return;
    const bucket = this.buckets[this.peerCounts[piece]!]!;
    const last = bucket.pop()!;
    if (last !== piece) {
      bucket[at] = last;
      this.slots[last] = at;
    }
    this.slots[piece] = NOT_POOLED;
  }

  /**
   * Calls `visit` for each piece whose bit is set in `byteAt(index)`, skipping a byte at a
   * time. Spare bits past the last piece are masked off: a peer's bitfield may carry them set.
   */
  private forEachPiece(byteAt: (index: number) => number, visit: (piece: number) => void): void {
    for (let index = 0; index <= this.lastByte; index++) {
      const bits = byteAt(index) & (index === this.lastByte ? this.lastByteMask : 0xff);
      if (bits === 0) continue;
      for (let bit = 0; bit < 8; bit++) if ((bits & (0x80 >> bit)) !== 0) visit(index * 8 + bit);
    }
  }
}

function owns(peerHas: Bitfield | null, piece: number): boolean {
  return peerHas === null || peerHas.has(piece);
}

/** No owner slot: a block nobody has been asked for, or a piece with no single owner. */
export const NO_OWNER = -1;

/**
 * One piece being fetched: its bytes in memory and, per block, who was asked, when, who
 * delivered it and the checksum it came with. Pieces are verified in memory before they touch
 * the disk, so a corrupt piece never reaches the part file and the disk sees one positional
 * write per piece.
 */
export class PieceAssembly {
  readonly blockCount: number;
  /** Owner slots asked for each block, one bit per slot (endgame may ask two). */
  readonly requestedMask: Uint32Array;
  readonly requestedAtMs: Float64Array;
  /** Txid of each block's latest REQUEST; DATA echoes it, so only its reply is an RTT sample. */
  readonly requestTxid: Uint32Array;
  /** The owner's request number of each block's latest request (see fast retransmit). */
  readonly requestSeq: Float64Array;
  /** Set once a block is asked for again (counted as a retransmission). */
  readonly retransmitted: Uint8Array;
  /** Slot of the owner whose copy of each block was kept; NO_OWNER until it arrives. */
  readonly contributor: Int8Array;
  /**
   * The checksum and txid of the datagram each kept block came in: enough to rebuild and check
   * that datagram's CRC if the piece fails its hash (see dataChecksumMatches), so the CRC of
   * every byte is not computed on arrival.
   */
  readonly receivedChecksum: Uint32Array;
  readonly receivedTxid: Uint32Array;
  receivedCount = 0;
  /** After a failed hash with several contributors, the piece must come whole from one owner. */
  parole = false;

  constructor(
    readonly piece: number,
    readonly lengthBytes: number,
    readonly blockSizeBytes: number,
    readonly buffer: Buffer,
  ) {
    this.blockCount = Math.ceil(lengthBytes / blockSizeBytes);
    this.requestedMask = new Uint32Array(this.blockCount);
    this.requestedAtMs = new Float64Array(this.blockCount);
    this.requestTxid = new Uint32Array(this.blockCount);
    this.requestSeq = new Float64Array(this.blockCount);
    this.retransmitted = new Uint8Array(this.blockCount);
    this.contributor = new Int8Array(this.blockCount).fill(NO_OWNER);
    this.receivedChecksum = new Uint32Array(this.blockCount);
    this.receivedTxid = new Uint32Array(this.blockCount);
  }

  get complete(): boolean {
    return this.receivedCount === this.blockCount;
  }

  /** True while some block of this piece is asked of the owner with this mask bit. */
  hasRequestFrom(bit: number): boolean {
    for (let block = 0; block < this.blockCount; block++) {
      if (this.requestedMask[block]! & bit) return true;
    }
    return false;
  }

  isReceived(block: number): boolean {
    return this.contributor[block] !== NO_OWNER;
  }

  blockLength(block: number): number {
    return Math.min(this.blockSizeBytes, this.lengthBytes - block * this.blockSizeBytes);
  }

  /** Forgets one received block (it arrived damaged): it is asked for again. */
  dropBlock(block: number): void {
    if (this.contributor[block] === NO_OWNER) return;
    this.contributor[block] = NO_OWNER;
    this.receivedCount--;
  }

  /** Forget everything received (failed hash); requests in flight are forgotten too. */
  reset(): void {
    this.requestedMask.fill(0);
    this.retransmitted.fill(0);
    this.contributor.fill(NO_OWNER);
    this.receivedCount = 0;
  }

  /** Distinct owner slots that delivered blocks of this piece. */
  contributors(): number[] {
    const slots: number[] = [];
    for (const slot of this.contributor)
      if (slot !== NO_OWNER && !slots.includes(slot)) slots.push(slot);
    return slots;
  }
}

/** Reuses piece buffers of one size so a long download allocates a handful, not thousands. */
export class PieceBufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    private readonly pieceSizeBytes: number,
    private readonly maxKept: number,
  ) {}

  acquire(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(this.pieceSizeBytes);
  }

  release(buffer: Buffer): void {
    if (this.free.length < this.maxKept) this.free.push(buffer);
  }
}

/**
 * No owner: a block nobody is asked for or has delivered, a piece with no single source. Owners
 * are named by node id, and ids start at 1.
 */
export const NO_OWNER = 0;

/**
 * One piece being fetched: its bytes in memory and, per block, who was asked, when, who
 * delivered it and the checksum it came with. Pieces are verified in memory before they touch
 * the disk, so a corrupt piece never reaches the part file and the disk sees one positional
 * write per piece.
 *
 * Owners are named by node id (typed arrays of ids, not bits of a mask), so a download may meet
 * any number of owners over its life and never has to recycle a name.
 */
export class PieceAssembly {
  readonly blockCount: number;
  /** The owner each block is asked of; NO_OWNER while nobody is. */
  readonly askedOf: Uint32Array;
  /** In endgame a block asked of one owner may be asked of a second one too (first copy wins). */
  readonly alsoAskedOf: Uint32Array;
  readonly requestedAtMs: Float64Array;
  /** Txid of each block's latest REQUEST; DATA echoes it, so only its reply is an RTT sample. */
  readonly requestTxid: Uint32Array;
  /** The owner's request number of each block's latest request (see fast retransmit). */
  readonly requestSeq: Float64Array;
  /** Requests given up on as lost (see giveUp); views made for the first, most pieces have none. */
  private givenUp: GivenUpRequests | null = null;
  /** Set once a block is asked for again (counted as a retransmission). */
  readonly retransmitted: Uint8Array;
  /** The owner whose copy of each block was kept; NO_OWNER until it arrives. */
  readonly contributor: Uint32Array;
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

  /**
   * `table` holds every per-block array above (see blockTableBytes); one from a pool, zeroed
   * here, lets a long download allocate no memory per piece outside the JS heap (see
   * PieceBufferPool). Without one, a table of its own.
   */
  constructor(
    readonly piece: number,
    readonly lengthBytes: number,
    readonly blockSizeBytes: number,
    readonly buffer: Buffer,
    readonly table: ArrayBuffer = new ArrayBuffer(
      blockTableBytes(Math.ceil(lengthBytes / blockSizeBytes)),
    ),
  ) {
    const n = Math.ceil(lengthBytes / blockSizeBytes);
    this.blockCount = n;
    if (table.byteLength < blockTableBytes(n)) throw new RangeError('block table too small');
    new Uint8Array(table, 0, blockTableBytes(n)).fill(0);
    // Laid out as blockTableBytes says: 8-byte arrays first, so each is aligned to its size.
    this.requestedAtMs = new Float64Array(table, 0, n);
    this.requestSeq = new Float64Array(table, 8 * n, n);
    this.askedOf = new Uint32Array(table, 32 * n, n);
    this.alsoAskedOf = new Uint32Array(table, 36 * n, n);
    this.requestTxid = new Uint32Array(table, 40 * n, n);
    this.contributor = new Uint32Array(table, 44 * n, n);
    this.receivedChecksum = new Uint32Array(table, 48 * n, n);
    this.receivedTxid = new Uint32Array(table, 52 * n, n);
    this.retransmitted = new Uint8Array(table, 72 * n, n);
  }

  get complete(): boolean {
    return this.receivedCount === this.blockCount;
  }

  /** True while some block of this piece is asked of some owner (askedOf is filled first). */
  get asked(): boolean {
    return this.askedOf.some((nodeId) => nodeId !== NO_OWNER);
  }

  /** True while some block of this piece is asked of this owner. */
  hasRequestFrom(nodeId: number): boolean {
    return this.askedOf.includes(nodeId) || this.alsoAskedOf.includes(nodeId);
  }

  isAskedOf(block: number, nodeId: number): boolean {
    return this.askedOf[block] === nodeId || this.alsoAskedOf[block] === nodeId;
  }

  /** How many owners this block is asked of now: 0, 1, or 2 in endgame. */
  askedCount(block: number): number {
    return (
      (this.askedOf[block] === NO_OWNER ? 0 : 1) + (this.alsoAskedOf[block] === NO_OWNER ? 0 : 1)
    );
  }

  /** Records that this block is asked of this owner (the second owner, if one is asked already). */
  ask(block: number, nodeId: number): void {
    if (this.askedOf[block] === NO_OWNER) this.askedOf[block] = nodeId;
    else this.alsoAskedOf[block] = nodeId;
  }

  /** This owner is no longer asked for this block; false if it was not. */
  unask(block: number, nodeId: number): boolean {
    if (this.askedOf[block] === nodeId) {
      this.askedOf[block] = this.alsoAskedOf[block]!;
      this.alsoAskedOf[block] = NO_OWNER;
      return true;
    }
    if (this.alsoAskedOf[block] === nodeId) {
      this.alsoAskedOf[block] = NO_OWNER;
      return true;
    }
    return false;
  }

  /**
   * This owner's latest request of this block, asked of it alone, is given up on as lost; it is
   * remembered so that its reply, if it comes after all, is known for what it is: proof that the
   * loss was none (see answersGivenUp). The two latest such requests per block are kept: a block
   * given up on twice before the first reply came (an owner whose upload queue holds replies,
   * on a busy machine) had the first reply thrown away as unsolicited and its loss never taken
   * back (seen once in test/peer/late-replies.test.ts with two runs at once).
   */
  giveUp(block: number, nodeId: number): void {
    const n = this.blockCount;
    const table = this.table;
    this.givenUp ??= {
      requestedAtMs: new Float64Array(table, 16 * n, n),
      earlierRequestedAtMs: new Float64Array(table, 24 * n, n),
      owner: new Uint32Array(table, 56 * n, n),
      txid: new Uint32Array(table, 60 * n, n),
      earlierOwner: new Uint32Array(table, 64 * n, n),
      earlierTxid: new Uint32Array(table, 68 * n, n),
    };
    const givenUp = this.givenUp;
    if (givenUp.owner[block] !== NO_OWNER) {
      givenUp.earlierOwner[block] = givenUp.owner[block]!;
      givenUp.earlierTxid[block] = givenUp.txid[block]!;
      givenUp.earlierRequestedAtMs[block] = givenUp.requestedAtMs[block]!;
    }
    givenUp.owner[block] = nodeId;
    givenUp.txid[block] = this.requestTxid[block]!;
    givenUp.requestedAtMs[block] = this.requestedAtMs[block]!;
  }

  /** True if DATA from this owner with this txid answers a request of the block given up on. */
  answersGivenUp(block: number, nodeId: number, txid: number): boolean {
    const givenUp = this.givenUp;
    if (givenUp === null) return false;
    return (
      (givenUp.owner[block] === nodeId && givenUp.txid[block] === txid) ||
      (givenUp.earlierOwner[block] === nodeId && givenUp.earlierTxid[block] === txid)
    );
  }

  /** Forgets the request given up on that this reply answers (see answersGivenUp); when it went. */
  forgetGivenUp(block: number, nodeId: number, txid: number): number {
    const givenUp = this.givenUp!;
    if (givenUp.owner[block] === nodeId && givenUp.txid[block] === txid) {
      givenUp.owner[block] = NO_OWNER;
      return givenUp.requestedAtMs[block]!;
    }
    givenUp.earlierOwner[block] = NO_OWNER;
    return givenUp.earlierRequestedAtMs[block]!;
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
    this.askedOf.fill(NO_OWNER);
    this.alsoAskedOf.fill(NO_OWNER);
    this.givenUp?.owner.fill(NO_OWNER);
    this.givenUp?.earlierOwner.fill(NO_OWNER);
    this.retransmitted.fill(0);
    this.contributor.fill(NO_OWNER);
    this.receivedCount = 0;
  }

  /** Distinct owners (node ids) that delivered blocks of this piece. */
  contributors(): number[] {
    const ids: number[] = [];
    for (const id of this.contributor) if (id !== NO_OWNER && !ids.includes(id)) ids.push(id);
    return ids;
  }
}

/** Per block: the owner (NO_OWNER: none), txid and time of the request last given up on. */
interface GivenUpRequests {
  readonly owner: Uint32Array;
  readonly txid: Uint32Array;
  readonly requestedAtMs: Float64Array;
  /** The one given up on before, while the latest's reply had not come either. */
  readonly earlierOwner: Uint32Array;
  readonly earlierTxid: Uint32Array;
  readonly earlierRequestedAtMs: Float64Array;
}

/**
 * Bytes of the table of per-block arrays of a piece of `blockCount` blocks, n. Layout, by offset
 * in multiples of n: 0 requestedAtMs, 8 requestSeq, 16 and 24 given up on (requestedAtMs,
 * earlierRequestedAtMs), 32 askedOf, 36 alsoAskedOf, 40 requestTxid, 44 contributor,
 * 48 receivedChecksum, 52 receivedTxid, 56..68 given up on (owner, txid, earlierOwner,
 * earlierTxid), 72 retransmitted.
 */
export function blockTableBytes(blockCount: number): number {
  return 73 * blockCount;
}

/**
 * Reuses piece buffers of one size, and block tables, so a long download allocates a handful,
 * not thousands. Both live as long as their piece is in flight, long enough for V8 to move them
 * to its old generation, where nothing collects them until a full collection, which the heap's
 * slow growth seldom brings: a table per piece grew a leecher's RSS ~2 MiB per GiB downloaded.
 */
export class PieceBufferPool {
  private readonly free: Buffer[] = [];
  private readonly freeTables: ArrayBuffer[] = [];
  /** Block tables allocated so far (the rest of the pieces reused one). */
  tablesMade = 0;

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

  /** A table for a piece of `blockCount` blocks (block sizes differ, so may tables). */
  acquireTable(blockCount: number): ArrayBuffer {
    const bytes = blockTableBytes(blockCount);
    const tables = this.freeTables;
    for (let i = tables.length - 1; i >= 0; i--) {
      const table = tables[i]!;
      if (table.byteLength < bytes) continue;
      tables[i] = tables[tables.length - 1]!;
      tables.pop();
      return table;
    }
    this.tablesMade++;
    return new ArrayBuffer(bytes);
  }

  releaseTable(table: ArrayBuffer): void {
    if (this.freeTables.length < this.maxKept) this.freeTables.push(table);
  }
}

/**
 * How long a piece stays with the peer it went to, counted from that peer's latest request for
 * it: long enough for the peer to finish the piece and tell the others (HAVE is flushed every
 * 100 ms), short enough that a holder that fetches it slowly delays nobody long.
 */
export const FIRST_COPY_HOLD_MS = 3_000;
/**
 * A holder that asked this owner for nothing at all for this long has the file, or left: it will
 * not pass the piece on, so its holds no longer count.
 */
export const HOLDER_QUIET_MS = 500;

/**
 * A peer declined a piece that asks for it again at least this long after its first refusal is
 * served it all the same (a second copy; the holder keeps its hold): it found the piece nowhere
 * else meanwhile. A downloader asks a declining owner again only after it stopped remembering the
 * refusal (DECLINES_REMEMBERED_MS, 1 s; 250 ms once nothing of its download is in flight), and by
 * then a holder that passes pieces on has announced this one (HAVE is flushed every 100 ms).
 * Why: a holder that left as soon as it had the file (`--exit-when-done`) passed nothing on, and
 * each of its piece's askers got the piece only once the hold had lapsed for the one before it.
 * Measured on the LAN testbed (8 leechers, 64 MiB, 100 Mbit/s, 2026-12-05): when the last piece
 * held was one every other leecher still lacked, the crowd ended one leecher per second after
 * the links fell idle, 11–14 s instead of 7 s in about one crowd in three.
 */
export const ASKED_AGAIN_MS = 500;

/**
 * A round nobody asked anything of for this long is given up: the next request starts a new
 * one. Its pieces out long ago count as out no more: a download stopped half-way left half a
 * file's pieces "out", a crowd an hour later found its round ending half-way through (its holds
 * dropped, the rest free to go out twice), and the log said `every piece of small.bin went out
 * once (in 1868.1 s, 2 twice)` (found by hand).
 */
export const ROUND_IDLE_MS = 60_000;

/** A peer as FirstCopies sees it: when it last asked this owner for anything. */
export interface CopyHolder {
  readonly lastActiveMs: number;
}

/**
 * A complete owner's rule for a flash crowd: **every piece goes out once before any piece goes
 * out twice**. In a swarm the owner's uplink is the scarcest link there is — the time for all to
 * finish is at least the time it takes to send every piece once — and a second copy of a piece
 * another peer is fetching right now is bandwidth the swarm could have had from that peer.
 * BitTorrent's super-seeding (BEP 16) reaches the same end by advertising one piece at a time;
 * here the owner simply declines (REJECT `elsewhere`) a piece it gave another peer moments ago
 * while pieces nobody got yet remain, and the downloader asks for another.
 *
 * A round ends when every piece went out once; the next one starts fresh, so a later crowd gets
 * the same care. Nobody waits on a hold for long: it lapses FIRST_COPY_HOLD_MS after the
 * holder's latest request for the piece, and at once when the holder stops asking this owner
 * for anything (it has the file, or it left); and a peer that asks again ASKED_AGAIN_MS after it
 * was declined is served. Pure: no I/O, the clock comes in as arguments.
 */
export class FirstCopies<Peer extends CopyHolder> {
  /** Who got each piece this round (undefined: nobody yet). */
  private readonly holders: (Peer | undefined)[];
  /**
   * Per peer, the pieces it was declined this round and when first (see ASKED_AGAIN_MS); kept when
   * the hold passes to another peer, since it has waited as long. Weak: a peer the seeder's ledger
   * forgot takes its refusals with it.
   */
  private readonly declined = new WeakMap<Peer, { round: number; firstMs: Map<number, number> }>();
  /** When each holder last asked for its piece. */
  private readonly heldSinceMs: Float64Array;
  private ungranted: number;
  /** Rounds in which every piece went out. */
  completedRounds = 0;
  /** Pieces that went to a second peer after their hold lapsed, this round and the last. */
  repeats = 0;
  lastRoundRepeats = 0;
  /** How long the last completed round took, from its first grant to its last (for the log). */
  lastRoundMs = 0;
  /** When the current round started (its first grant). */
  private roundStartMs = 0;
  /** Rounds completed or given up (see ROUND_IDLE_MS): the refusals of another round lapse. */
  private round = 0;
  /** The latest request for anything. */
  private lastAskedMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly pieceCount: number,
    private readonly holdMs = FIRST_COPY_HOLD_MS,
  ) {
    this.holders = new Array<Peer | undefined>(pieceCount).fill(undefined);
    this.heldSinceMs = new Float64Array(pieceCount);
    this.ungranted = pieceCount;
  }

  /** Pieces nobody got yet this round. */
  get ungrantedCount(): number {
    return this.ungranted;
  }

  /**
   * May `peer` have `piece` now? True grants it (or renews its hold); false: it went to another
   * peer moments ago, and other pieces have not gone out at all yet.
   */
  admit(piece: number, peer: Peer, nowMs: number): boolean {
    if (nowMs - this.lastAskedMs >= ROUND_IDLE_MS && this.ungranted < this.pieceCount)
      this.clearRound();
    this.lastAskedMs = nowMs;
    const holder = this.holders[piece];
    if (holder === undefined) {
      if (this.ungranted === this.pieceCount) this.roundStartMs = nowMs;
      this.grant(piece, peer, nowMs);
      if (--this.ungranted === 0) this.startRound(nowMs);
      return true;
    }
    // Some piece nobody got is always left here: the round starts anew when the last one goes.
    if (
      holder !== peer &&
      nowMs - this.heldSinceMs[piece]! < this.holdMs &&
      nowMs - holder.lastActiveMs < HOLDER_QUIET_MS
    ) {
      return this.askedAgain(piece, peer, nowMs);
    }
    if (holder !== peer) this.repeats++;
    this.grant(piece, peer, nowMs);
    return true;
  }

  /** A held piece asked for by another peer: true once it asks again ASKED_AGAIN_MS on. */
  private askedAgain(piece: number, peer: Peer, nowMs: number): boolean {
    let declined = this.declined.get(peer);
    if (declined === undefined || declined.round !== this.round) {
      declined = { round: this.round, firstMs: new Map() };
      this.declined.set(peer, declined);
    }
    const firstMs = declined.firstMs.get(piece);
    if (firstMs === undefined) {
      declined.firstMs.set(piece, nowMs);
      return false;
    }
    if (nowMs - firstMs < ASKED_AGAIN_MS) return false;
    // Counted once per peer and piece; its later requests for the rest of the piece pass too.
    if (firstMs !== Number.NEGATIVE_INFINITY) {
      declined.firstMs.set(piece, Number.NEGATIVE_INFINITY);
      this.repeats++;
    }
    return true;
  }

  private grant(piece: number, peer: Peer, nowMs: number): void {
    this.declined.get(peer)?.firstMs.delete(piece);
    this.holders[piece] = peer;
    this.heldSinceMs[piece] = nowMs;
  }

  private startRound(nowMs: number): void {
    this.completedRounds++;
    this.lastRoundMs = nowMs - this.roundStartMs;
    this.lastRoundRepeats = this.repeats;
    this.clearRound();
  }

  /** Nobody holds anything, nothing went out: the next grant starts a round. */
  private clearRound(): void {
    this.round++;
    this.repeats = 0;
    this.holders.fill(undefined);
    this.ungranted = this.pieceCount;
  }
}

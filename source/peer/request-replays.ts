/**
 * The txids of the block REQUESTs one requester sent with a valid cookie, over the life of the
 * cookies they carried: a REQUEST seen again, duplicated by the network or replayed by someone
 * who captured it, is not answered again. A replayed 80-byte REQUEST made a seeder send a run of up to 1 MiB to
 * its requester for as long as its cookie lived, after that downloader had finished (found by a
 * session). An honest downloader gives each REQUEST a txid of its own (block-transfer.ts), so
 * nothing it needs is dropped.
 *
 * Two generations turn with the cookie slot: a cookie lives the slot it was issued in and the
 * next (cookie-jar.ts), and a request is remembered for as long as its cookie could carry it.
 */

/**
 * Txids kept per generation. A requester asking more than this in a minute (1,092 runs a second)
 * turns the generations early, and its oldest requests could be served twice if replayed.
 */
export const MAX_REMEMBERED_PER_SLOT = 65_536;

export class RequestReplays {
  private slot = Number.NEGATIVE_INFINITY;
  private current = new Set<number>();
  private previous = new Set<number>();

  /** False if `txid` was seen in this cookie slot or the one before; else remembers it. */
  firstSeen(txid: number, slot: number): boolean {
    if (slot !== this.slot) this.turn(slot);
    if (this.current.has(txid) || this.previous.has(txid)) return false;
    if (this.current.size >= MAX_REMEMBERED_PER_SLOT) this.turn(this.slot);
    this.current.add(txid);
    return true;
  }

  private turn(slot: number): void {
    // A gap of more than one slot: what was seen before belongs to cookies no longer valid.
    this.previous = slot <= this.slot + 1 ? this.current : new Set();
    this.current = new Set();
    this.slot = slot;
  }
}

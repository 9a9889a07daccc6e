/**
 * How many METAINFO chunks and BITFIELDs one requester is sent of each file per cookie slot. A
 * downloader fetches a file's metainfo once (a few chunks, and their retries) and asks a partial
 * owner's BITFIELD every 10 s, or after a refusal at most once a second. Unbounded, one host on
 * the LAN asking METAINFO in a loop took 10 MiB/s of a seeder held to `--upload-limit 500K`, and
 * halved an honest crowd's speed; a captured request replayed as it was made the seeder send 91
 * times its size to its requester at each copy (found by a session from a raw socket).
 */

/** Whole metainfo fetches one requester is served per file and cookie slot. */
export const METAINFO_FETCHES_PER_SLOT = 8;
/** BITFIELD replies one requester is sent per file and cookie slot (one a second, and more). */
export const BITFIELDS_PER_SLOT = 90;

export class ReplyAllowance {
  private slot = Number.NEGATIVE_INFINITY;
  private readonly used = new Map<string, number>();

  /** True, and counted, if one more reply of `key` fits within `limit` in `slot`. */
  take(key: string, limit: number, slot: number): boolean {
    if (slot !== this.slot) {
      this.used.clear();
      this.slot = slot;
    }
    const used = this.used.get(key) ?? 0;
    if (used >= limit) return false;
    this.used.set(key, used + 1);
    return true;
  }
}

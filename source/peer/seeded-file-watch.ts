/**
 * Notices when a seeded file changes or leaves the node folder, from the folder listing the node
 * makes every second anyway (no extra system calls).
 *
 * Why: a seeder reads its files through handles opened when they were hashed. A file rewritten in
 * place (a rebuilt artifact, an edited document) was served as it now is while every downloader
 * checked it against the old hashes: each of them struck and banned the node, whose own view
 * still said `seeding` (found by hand). A file deleted or replaced by a new one went on being
 * served from the old handle, content the folder no longer holds, until the node restarted.
 * Now such a file stops being served and is withdrawn at the tracker; a changed file is hashed
 * and seeded again once it has stopped changing, as a person who rebuilt it expects.
 *
 * Pure: the caller passes what the listing found and acts on what review() returns.
 */

import type { FileStamp } from './metainfo-cache.ts';

/** What tells a file's content apart cheaply: its size and modification time, and its inode. */
export interface FileIdentity extends Omit<FileStamp, 'ctimeMs'> {
  ino: number;
}

/** What review() found; each name appears in one list at most. */
export interface SeededFileReview {
  /** Seeded, and no longer in the folder: stop serving, withdraw. */
  gone: string[];
  /** Seeded, and not the file that was hashed: stop serving, withdraw, wait for it to settle. */
  changed: string[];
  /** Withdrawn as changed, unchanged since the listing before: hash and seed it again. */
  settled: string[];
  /** Withdrawn as changed, then gone from the folder: nothing more to do for it. */
  forgotten: string[];
}

/**
 * A file waiting to settle is seeded once unchanged between two listings and not written for
 * this long. Two listings a second apart alone seeded a copy that paused for 2 s (a slow
 * network, a USB stick) at each pause: a downloader then got the first 4 MiB of a 16 MiB file
 * as `done`, and the swarm listed both versions (found by a session). What still has the file
 * open for writing is asked too (open-writers.ts).
 */
export const SETTLE_QUIET_MS = 5_000;

/** A re-seed that failed this many times in a row is left to the person (the row says why). */
const MAX_RESEED_FAILURES = 3;

export class SeededFileWatch {
  /** Seeded files: the stamp of what was hashed, and how many listings had begun by then. */
  private readonly seeded = new Map<string, { stamp: FileIdentity; listingsBefore: number }>();
  /** Changed files waiting to settle: the stamp seen at the last listing (null: none yet). */
  private readonly waiting = new Map<string, FileIdentity | null>();
  private readonly failures = new Map<string, number>();
  /** Listings begun (listingStarts) and the latest one reviewed. */
  private listingsBegun = 0;
  private lastReviewed = 0;
  /**
   * Counts the changes to `seeded` and `waiting`. A listing that is the same object as one
   * reviewed with nothing left waiting, nothing changed since, needs no review: with 3,000 seeded
   * files, comparing each every second was a third of an idle node's JavaScript.
   */
  private changes = 0;
  private reviewedClean: { listing: ReadonlyMap<string, FileIdentity>; changes: number } | null =
    null;
  private watched: { changes: number; names: ReadonlySet<string> } | null = null;

  /**
   * A listing of the folder begins; pass what this returns to review() with its result. A file
   * seeded while a listing ran may be missing from it (a download renamed into place meanwhile)
   * and is not judged by it.
   */
  listingStarts(): number {
    return ++this.listingsBegun;
  }

  /** `name` is served as hashed with `stamp`. */
  seeding(name: string, stamp: FileIdentity): void {
    this.changes++;
    this.seeded.set(name, { stamp, listingsBefore: this.listingsBegun });
    this.waiting.delete(name);
    this.failures.delete(name);
  }

  /** `name` is no longer seeded nor waited for (a person stopped it, or it was dealt with). */
  forget(name: string): void {
    this.changes++;
    this.seeded.delete(name);
    this.waiting.delete(name);
    this.failures.delete(name);
  }

  /** A file new in the folder waits to settle, as a changed one does, then review() settles it. */
  waitToSettle(name: string): void {
    this.changes++;
    this.waiting.set(name, null);
  }

  /** The names a listing must look at afresh each time: the seeded ones and those waiting. */
  watchedNames(): ReadonlySet<string> {
    if (this.watched?.changes !== this.changes) {
      const names = new Set([...this.seeded.keys(), ...this.waiting.keys()]);
      this.watched = { changes: this.changes, names };
    }
    return this.watched.names;
  }

  /** True while `name` was withdrawn as changed and waits to settle. */
  isWaiting(name: string): boolean {
    return this.waiting.has(name);
  }

  /**
   * A re-seed of a settled file failed (it changed again while hashed, or could not be read):
   * it waits to settle again, unless that has failed MAX_RESEED_FAILURES times in a row.
   * Returns true if it waits.
   */
  reseedFailed(name: string): boolean {
    const failures = (this.failures.get(name) ?? 0) + 1;
    if (failures >= MAX_RESEED_FAILURES) {
      this.forget(name);
      return false;
    }
    this.failures.set(name, failures);
    this.changes++;
    this.waiting.set(name, null);
    return true;
  }

  /**
   * Compares a listing of the folder (shareable files by name) with what is served;
   * `listingNumber` is what listingStarts() gave when it began. A listing older than one
   * reviewed already says nothing new and is ignored.
   */
  review(
    listing: ReadonlyMap<string, FileIdentity>,
    listingNumber: number,
    nowWallMs: number,
  ): SeededFileReview {
    const review: SeededFileReview = { gone: [], changed: [], settled: [], forgotten: [] };
    if (listingNumber <= this.lastReviewed) return review;
    this.lastReviewed = listingNumber;
    const clean = this.reviewedClean;
    if (clean?.listing === listing && clean.changes === this.changes) return review;
    for (const [name, { stamp: hashed, listingsBefore }] of this.seeded) {
      if (listingsBefore >= listingNumber) continue;
      const now = listing.get(name);
      if (now === undefined) {
        this.changes++;
        this.seeded.delete(name);
        review.gone.push(name);
      } else if (!sameStamp(now, hashed)) {
        this.changes++;
        this.seeded.delete(name);
        this.waiting.set(name, now);
        review.changed.push(name);
      }
    }
    for (const [name, before] of this.waiting) {
      if (review.changed.includes(name)) continue;
      const now = listing.get(name);
      if (now === undefined) {
        this.forget(name);
        review.forgotten.push(name);
      } else if (before !== null && sameStamp(now, before) && quietSince(now, nowWallMs)) {
        this.changes++;
        this.waiting.delete(name);
        review.settled.push(name);
      } else {
        this.changes++;
        this.waiting.set(name, now);
      }
    }
    this.reviewedClean = this.waiting.size === 0 ? { listing, changes: this.changes } : null;
    return review;
  }
}

/** Not written for SETTLE_QUIET_MS; a time in the future (a clock set wrong) says nothing. */
function quietSince(stamp: FileIdentity, nowWallMs: number): boolean {
  const ageMs = nowWallMs - stamp.mtimeMs;
  return ageMs >= SETTLE_QUIET_MS || ageMs < 0;
}

function sameStamp(a: FileIdentity, b: FileIdentity): boolean {
  return a.sizeBytes === b.sizeBytes && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

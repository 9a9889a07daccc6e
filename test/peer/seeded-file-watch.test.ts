/** SeededFileWatch: which seeded files changed or left the folder, and when a changed one settled. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type FileIdentity,
  SETTLE_QUIET_MS,
  SeededFileWatch,
} from '../../source/peer/seeded-file-watch.ts';

const stamp = (sizeBytes: number, mtimeMs: number, ino = 7): FileIdentity => ({
  sizeBytes,
  mtimeMs,
  ino,
});
const listing = (entries: Record<string, FileIdentity>) => new Map(Object.entries(entries));
const nothing = { gone: [], changed: [], settled: [], forgotten: [] };

/** The wall clock of the reviews: every file's time here is long past (see SETTLE_QUIET_MS). */
const NOW = 1_000_000;

/** A listing begun now, reviewed with `entries`. */
function list(watch: SeededFileWatch, entries: Record<string, FileIdentity>, nowMs = NOW) {
  return watch.review(listing(entries), watch.listingStarts(), nowMs);
}

test('an unchanged seeded file is left alone, listing after listing', () => {
  const watch = new SeededFileWatch();
  watch.seeding('a.bin', stamp(10, 1000));
  for (let i = 0; i < 3; i++) assert.deepEqual(list(watch, { 'a.bin': stamp(10, 1000) }), nothing);
});

test('a seeded file gone from the folder is reported once', () => {
  const watch = new SeededFileWatch();
  watch.seeding('a.bin', stamp(10, 1000));
  watch.seeding('b.bin', stamp(20, 1000, 8));
  assert.deepEqual(list(watch, { 'b.bin': stamp(20, 1000, 8) }), { ...nothing, gone: ['a.bin'] });
  assert.deepEqual(list(watch, { 'b.bin': stamp(20, 1000, 8) }), nothing);
});

test('a size, a modification time or an inode of its own each mean the file changed', () => {
  for (const now of [stamp(11, 1000), stamp(10, 1001), stamp(10, 1000, 9)]) {
    const watch = new SeededFileWatch();
    watch.seeding('a.bin', stamp(10, 1000));
    assert.deepEqual(list(watch, { 'a.bin': now }), { ...nothing, changed: ['a.bin'] });
    assert.equal(watch.isWaiting('a.bin'), true);
  }
});

test('a changed file settles once a whole listing later it is the same; not while it changes', () => {
  const watch = new SeededFileWatch();
  watch.seeding('a.bin', stamp(10, 1000));
  assert.deepEqual(list(watch, { 'a.bin': stamp(12, 2000) }).changed, ['a.bin']);
  // Still being written: each listing sees another stamp.
  assert.deepEqual(list(watch, { 'a.bin': stamp(14, 3000) }), nothing);
  assert.deepEqual(list(watch, { 'a.bin': stamp(16, 4000) }), nothing);
  assert.deepEqual(list(watch, { 'a.bin': stamp(16, 4000) }), { ...nothing, settled: ['a.bin'] });
  assert.equal(watch.isWaiting('a.bin'), false);
  // Seeded again by the caller: watched with its new stamp.
  watch.seeding('a.bin', stamp(16, 4000));
  assert.deepEqual(list(watch, { 'a.bin': stamp(16, 4000) }), nothing);
});

test('a changed file then deleted is forgotten, not reported gone', () => {
  const watch = new SeededFileWatch();
  watch.seeding('a.bin', stamp(10, 1000));
  list(watch, { 'a.bin': stamp(12, 2000) });
  assert.deepEqual(list(watch, {}), { ...nothing, forgotten: ['a.bin'] });
  assert.deepEqual(list(watch, {}), nothing);
});

test('a file seeded while a listing ran is not judged by that listing', () => {
  const watch = new SeededFileWatch();
  const during = watch.listingStarts();
  // A download renamed into place and seeded while the folder was being read.
  watch.seeding('new.bin', stamp(10, 1000));
  assert.deepEqual(watch.review(listing({}), during, NOW), nothing);
  assert.deepEqual(list(watch, {}), { ...nothing, gone: ['new.bin'] });
});

test('a listing older than one already reviewed is ignored', () => {
  const watch = new SeededFileWatch();
  watch.seeding('a.bin', stamp(10, 1000));
  const older = watch.listingStarts();
  const newer = watch.listingStarts();
  assert.deepEqual(watch.review(listing({ 'a.bin': stamp(10, 1000) }), newer, NOW), nothing);
  assert.deepEqual(watch.review(listing({}), older, NOW), nothing);
});

test('a re-seed that keeps failing waits again twice, then is left to the person', () => {
  const watch = new SeededFileWatch();
  watch.seeding('a.bin', stamp(10, 1000));
  list(watch, { 'a.bin': stamp(12, 2000) });
  for (const waits of [true, true, false]) {
    assert.deepEqual(list(watch, { 'a.bin': stamp(12, 2000) }).settled, ['a.bin']);
    assert.equal(watch.reseedFailed('a.bin'), waits);
    if (waits) assert.deepEqual(list(watch, { 'a.bin': stamp(12, 2000) }), nothing);
  }
  assert.equal(watch.isWaiting('a.bin'), false);
  assert.deepEqual(list(watch, { 'a.bin': stamp(12, 2000) }), nothing);
});

test('forget() ends both watching and waiting', () => {
  const watch = new SeededFileWatch();
  watch.seeding('a.bin', stamp(10, 1000));
  watch.seeding('b.bin', stamp(10, 1000, 8));
  list(watch, { 'a.bin': stamp(12, 2000), 'b.bin': stamp(10, 1000, 8) });
  watch.forget('a.bin');
  watch.forget('b.bin');
  assert.equal(watch.isWaiting('a.bin'), false);
  assert.deepEqual(list(watch, {}), nothing);
});

test('the same listing object again, nothing seeded or forgotten since: not compared again', () => {
  const watch = new SeededFileWatch();
  watch.seeding('a.bin', stamp(10, 1000));
  const same = listing({ 'a.bin': stamp(10, 1000) });
  assert.deepEqual(watch.review(same, watch.listingStarts(), NOW), nothing);
  // What the node passes while the folder listing is the last one itself, which it takes for
  // unchanged (emptied here behind the watch's back, to show that it is not compared again).
  same.delete('a.bin');
  assert.deepEqual(watch.review(same, watch.listingStarts(), NOW), nothing);
  same.set('a.bin', stamp(10, 1000));
  // A file seeded since and not in it is compared, and found gone.
  watch.seeding('b.bin', stamp(20, 1000, 8));
  assert.deepEqual(watch.review(same, watch.listingStarts(), NOW), { ...nothing, gone: ['b.bin'] });
  assert.deepEqual(watch.review(same, watch.listingStarts(), NOW), nothing);
  // A file waiting to settle is compared with every listing, the same object or not.
  watch.waitToSettle('c.bin');
  const withC = listing({ 'a.bin': stamp(10, 1000), 'c.bin': stamp(5, 1000, 9) });
  assert.deepEqual(watch.review(withC, watch.listingStarts(), NOW), nothing);
  assert.deepEqual(watch.review(withC, watch.listingStarts(), NOW), {
    ...nothing,
    settled: ['c.bin'],
  });
});

test('watchedNames() is the same set while nothing is seeded, waits or is forgotten', () => {
  const watch = new SeededFileWatch();
  watch.seeding('a.bin', stamp(10, 1000));
  const names = watch.watchedNames();
  assert.equal(watch.watchedNames(), names);
  watch.waitToSettle('b.bin');
  assert.deepEqual([...watch.watchedNames()], ['a.bin', 'b.bin']);
  watch.forget('a.bin');
  assert.deepEqual([...watch.watchedNames()], ['b.bin']);
});

test('a file waiting to settle is not settled while it was written in the last SETTLE_QUIET_MS', () => {
  // Found by a session: a copy that paused 2 s at a time was seeded at each pause.
  const watch = new SeededFileWatch();
  const writtenAt = NOW;
  watch.waitToSettle('copy.bin');
  assert.deepEqual(list(watch, { 'copy.bin': stamp(4, writtenAt) }, NOW + 1_000), nothing);
  // Unchanged since the listing before, but written 2 s ago: waits on.
  assert.deepEqual(list(watch, { 'copy.bin': stamp(4, writtenAt) }, NOW + 2_000), nothing);
  assert.deepEqual(list(watch, { 'copy.bin': stamp(4, writtenAt) }, NOW + SETTLE_QUIET_MS), {
    ...nothing,
    settled: ['copy.bin'],
  });
  // A time in the future (a clock set wrong) does not hold a file for good.
  watch.waitToSettle('later.bin');
  list(watch, { 'later.bin': stamp(4, NOW + 3_600_000) });
  assert.deepEqual(list(watch, { 'later.bin': stamp(4, NOW + 3_600_000) }).settled, ['later.bin']);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { POOL_HOLD_MS, ReadMode, SLOW_READ_MS, SLOW_STREAK } from '../../source/peer/read-mode.ts';

/** A ReadMode whose block-read count the test sets. */
function modeWithCount(): { mode: ReadMode; count: { reads: number } } {
  const count = { reads: 100 };
  return { mode: new ReadMode(SLOW_READ_MS, () => count.reads), count };
}

test('a slow read with block reads since sends reads to the pool for the hold', () => {
  const { mode, count } = modeWithCount();
  assert.equal(mode.readsAtOnce(0), true);
  mode.noteReadAtOnce(100, 100 + SLOW_READ_MS);
  assert.equal(mode.slowReads, 0, 'a read of exactly the bound is fast');
  count.reads += 2048;
  const end = 200.5 + SLOW_READ_MS;
  mode.noteReadAtOnce(200, end);
  assert.deepEqual([mode.slowReads, mode.poolSpells], [1, 1]);
  assert.equal(mode.readsAtOnce(end), false);
  assert.equal(mode.readsAtOnce(end + POOL_HOLD_MS - 1), false);
  assert.equal(mode.readsAtOnce(end + POOL_HOLD_MS), true);
});

test('a slow read without block reads is the CPU lost, not the disk: reads stay at once', () => {
  const { mode } = modeWithCount();
  for (let i = 0; i < SLOW_STREAK - 1; i++) {
    mode.noteReadAtOnce(i * 10, i * 10 + 50);
    mode.noteReadAtOnce(i * 10 + 1, i * 10 + 1.1);
  }
  assert.deepEqual([mode.slowReads, mode.poolSpells], [SLOW_STREAK - 1, 0]);
  assert.equal(mode.readsAtOnce(1000), true);
});

test('slow reads in a row go to the pool even when no block read is counted', () => {
  const { mode } = modeWithCount();
  for (let i = 0; i < SLOW_STREAK; i++) mode.noteReadAtOnce(i * 10, i * 10 + 5);
  assert.equal(mode.poolSpells, 1);
  const end = (SLOW_STREAK - 1) * 10 + 5;
  assert.equal(mode.readsAtOnce(end + POOL_HOLD_MS - 1), false);
  assert.equal(mode.readsAtOnce(end + POOL_HOLD_MS), true);
});

test('block reads before the last slow read do not count again', () => {
  const { mode, count } = modeWithCount();
  count.reads += 10;
  mode.noteReadAtOnce(0, 5);
  assert.equal(mode.poolSpells, 1);
  mode.noteReadAtOnce(POOL_HOLD_MS + 10, POOL_HOLD_MS + 15);
  assert.deepEqual([mode.slowReads, mode.poolSpells], [2, 1]);
});

test('the process block-read count is what a real mode reads', () => {
  const mode = new ReadMode();
  mode.noteReadAtOnce(0, 0);
  assert.equal(mode.readsAtOnce(0), true);
  assert.equal(typeof process.resourceUsage().fsRead, 'number');
});

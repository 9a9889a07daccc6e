import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IoMode, POOL_HOLD_MS, READS, SLOW_CALL_MS, WRITES } from '../source/io-mode.ts';

/** Reads whose block-read count the test sets. */
function readsWithCount(): { mode: IoMode; count: { reads: number } } {
  const count = { reads: 100 };
  return { mode: new IoMode({ ...READS, diskWork: () => count.reads }), count };
}

test('a slow read with block reads since sends calls to the pool for the hold', () => {
  const { mode, count } = readsWithCount();
  assert.equal(mode.atOnce(0), true);
  mode.noteCallAtOnce(100, 100 + SLOW_CALL_MS);
  assert.equal(mode.slowCalls, 0, 'a call of exactly the bound is fast');
  count.reads += 2048;
  const end = 200.5 + SLOW_CALL_MS;
  mode.noteCallAtOnce(200, end);
  assert.deepEqual([mode.slowCalls, mode.poolSpells], [1, 1]);
  assert.equal(mode.atOnce(end), false);
  assert.equal(mode.atOnce(end + POOL_HOLD_MS - 1), false);
  assert.equal(mode.atOnce(end + POOL_HOLD_MS), true);
});

test('a slow read without block reads is the CPU lost, not the disk: calls stay at once', () => {
  const { mode } = readsWithCount();
  for (let i = 0; i < READS.slowStreak - 1; i++) {
    mode.noteCallAtOnce(i * 10, i * 10 + 50);
    mode.noteCallAtOnce(i * 10 + 1, i * 10 + 1.1);
  }
  assert.deepEqual([mode.slowCalls, mode.poolSpells], [READS.slowStreak - 1, 0]);
  assert.equal(mode.atOnce(1000), true);
});

test('slow reads in a row go to the pool even when no block read is counted', () => {
  const { mode } = readsWithCount();
  for (let i = 0; i < READS.slowStreak; i++) mode.noteCallAtOnce(i * 10, i * 10 + 5);
  assert.equal(mode.poolSpells, 1);
  const end = (READS.slowStreak - 1) * 10 + 5;
  assert.equal(mode.atOnce(end + POOL_HOLD_MS - 1), false);
  assert.equal(mode.atOnce(end + POOL_HOLD_MS), true);
});

test('block reads before the last slow read do not count again', () => {
  const { mode, count } = readsWithCount();
  count.reads += 10;
  mode.noteCallAtOnce(0, 5);
  assert.equal(mode.poolSpells, 1);
  mode.noteCallAtOnce(POOL_HOLD_MS + 10, POOL_HOLD_MS + 15);
  assert.deepEqual([mode.slowCalls, mode.poolSpells], [2, 1]);
});

test('writes: one slow write stays at once, two in a row go to the pool', () => {
  const mode = new IoMode(WRITES);
  mode.noteCallAtOnce(0, 30);
  mode.noteCallAtOnce(40, 40.1);
  mode.noteCallAtOnce(50, 80);
  assert.deepEqual([mode.slowCalls, mode.poolSpells], [2, 0]);
  assert.equal(mode.atOnce(80), true);
  mode.noteCallAtOnce(90, 300);
  assert.equal(mode.poolSpells, 1);
  assert.equal(mode.atOnce(300 + POOL_HOLD_MS - 1), false);
});

test('a mode on the process block-read count starts with calls at once', () => {
  const mode = new IoMode(READS);
  mode.noteCallAtOnce(0, 0);
  assert.equal(mode.atOnce(0), true);
  assert.equal(typeof process.resourceUsage().fsRead, 'number');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { POOL_HOLD_MS, ReadMode, SLOW_READ_MS } from '../../source/peer/read-mode.ts';

test('reads at once until one is slow, then through the pool for the hold, then at once again', () => {
  const mode = new ReadMode();
  assert.equal(mode.readsAtOnce(0), true);
  mode.noteReadAtOnce(100, 100 + SLOW_READ_MS);
  assert.equal(mode.readsAtOnce(100 + SLOW_READ_MS), true, 'a read of exactly the bound is fast');
  assert.equal(mode.slowReads, 0);
  mode.noteReadAtOnce(200, 200.5 + SLOW_READ_MS);
  assert.equal(mode.slowReads, 1);
  const end = 200.5 + SLOW_READ_MS;
  assert.equal(mode.readsAtOnce(end), false);
  assert.equal(mode.readsAtOnce(end + POOL_HOLD_MS - 1), false);
  assert.equal(mode.readsAtOnce(end + POOL_HOLD_MS), true);
});

test('a mode whose bound is below zero sends every read after the first to the pool', () => {
  const mode = new ReadMode(-1);
  assert.equal(mode.readsAtOnce(0), true);
  mode.noteReadAtOnce(0, 0);
  assert.equal(mode.readsAtOnce(0), false);
});

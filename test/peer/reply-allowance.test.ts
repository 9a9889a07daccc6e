import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplyAllowance } from '../../source/peer/reply-allowance.ts';

test('an allowance counts per kind and file within a cookie slot, and starts afresh in the next', () => {
  const allowance = new ReplyAllowance();
  assert.deepEqual(
    [1, 2, 3].map(() => allowance.take('mabc', 2, 7)),
    [true, true, false],
  );
  assert.equal(allowance.take('babc', 2, 7), true);
  assert.equal(allowance.take('mdef', 2, 7), true);
  assert.equal(allowance.take('mabc', 2, 8), true);
  assert.equal(allowance.take('mabc', 2, 8), true);
  assert.equal(allowance.take('mabc', 2, 8), false);
});

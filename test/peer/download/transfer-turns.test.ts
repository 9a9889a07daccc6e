import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransferTurns } from '../../../source/peer/download/transfer-turns.ts';

const settle = () => new Promise<void>((resolve) => queueMicrotask(resolve));

test('a download alone never waits; refused ones are served in the order they were refused', async () => {
  const turns = new TransferTurns();
  const woken: string[] = [];
  const a = {};
  const b = {};
  const c = {};
  const wake = (name: string) => () => woken.push(name);
  assert.equal(turns.mayAsk(a, wake('a')), true, 'nobody in line');
  // b, then c find the bucket in debt: they wait in line, b first.
  turns.refused(b, wake('b'));
  turns.refused(c, wake('c'));
  turns.refused(b, wake('b'));
  assert.equal(turns.waitingCount, 2);
  // Tokens are back and a finds them first: b is woken instead, a queues behind c.
  assert.equal(turns.mayAsk(a, wake('a')), false);
  await settle();
  assert.deepEqual(woken, ['b']);
  assert.equal(turns.mayAsk(b, wake('b')), true, 'the first in line may ask');
  turns.leave(b);
  // c is next, then a: a asking again only wakes c.
  assert.equal(turns.mayAsk(a, wake('a')), false);
  await settle();
  assert.deepEqual(woken, ['b', 'c']);
  // c stopped wanting (paused): it leaves, and a is first.
  turns.leave(c);
  assert.equal(turns.mayAsk(a, wake('a')), true);
  turns.leave(a);
  assert.equal(turns.waitingCount, 0);
});

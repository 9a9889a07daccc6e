import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LedgerCopy } from '../../source/tracker/store/ledger-copy.ts';

test('the ledger copy keeps the newest entries, oldest first, as the list in Redis does', () => {
  const copy = new LedgerCopy(3);
  copy.replace(['a', 'b']);
  assert.deepEqual([...copy.inOrder()], ['a', 'b']);
  copy.add('c');
  copy.add('d');
  copy.add('e');
  assert.equal(copy.size, 3);
  assert.deepEqual([...copy.inOrder()], ['c', 'd', 'e']);
  copy.add('f');
  assert.deepEqual([...copy.inOrder()], ['d', 'e', 'f']);
  // A read of Redis longer than the copy keeps (LTRIM runs after each write): its newest.
  copy.replace(['1', '2', '3', '4']);
  assert.deepEqual([...copy.inOrder()], ['2', '3', '4']);
  copy.add('5');
  assert.deepEqual([...copy.inOrder()], ['3', '4', '5']);
});

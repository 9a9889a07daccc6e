import assert from 'node:assert/strict';
import { test } from 'node:test';
import { givingBackUnused, peerLayout } from '../../source/ui/peer/peer-layout.ts';

test('lines of the downloads pane no block fills go to the lists, as far as they have rows', () => {
  // 80x24 with two downloads of 9 lines each: the pane gets 9 lines and shows one block of 7.
  const split = peerLayout(24, 5, 18)!;
  assert.deepEqual(split, { listsHeight: 7, listRows: 1, downloadsHeight: 9, logHeight: 4 });
  // Title, notice and one block: 9 - 2 - 7 = 0 unused.
  assert.deepEqual(givingBackUnused(split, 9, 5), split);
  // Title, notice and a 5-line block: 2 unused, both to the lists (5 files, 1 row shown).
  assert.deepEqual(givingBackUnused(split, 7, 5), {
    listsHeight: 9,
    listRows: 3,
    downloadsHeight: 7,
    logHeight: 4,
  });
  // Lists of 2 files want 1 more row: the other line goes to the log.
  assert.deepEqual(givingBackUnused(split, 7, 2), {
    listsHeight: 8,
    listRows: 2,
    downloadsHeight: 7,
    logHeight: 5,
  });
  // Never under the pane's least height.
  assert.equal(givingBackUnused(split, 1, 5).downloadsHeight, 3);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchIds } from '../../source/tracker/store/batch-ids.ts';

test("a tracker's batches up to the highest taken are known, however long ago", () => {
  const ids = new BatchIds();
  ids.add('aa11-1');
  ids.add('aa11-5000');
  assert.equal(ids.has('aa11-1'), true);
  assert.equal(ids.has('aa11-3'), true, 'older than one taken: published before it');
  assert.equal(ids.has('aa11-5001'), false);
  assert.equal(ids.has('bb22-1'), false, 'another tracker (a restart is a new nonce)');
  ids.add('aa11-7');
  assert.equal(ids.has('aa11-5000'), true, 'a lower count does not lower the mark');
});

test('ids not of the form nonce-count are never known', () => {
  const ids = new BatchIds();
  for (const id of ['', 'x', '-3', 'aa-', 'aa-0', 'aa-1.5', 'aa-x']) {
    ids.add(id);
    assert.equal(ids.has(id), false, id);
  }
});

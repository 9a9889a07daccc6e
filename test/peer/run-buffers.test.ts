import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RunBuffers } from '../../source/peer/run-buffers.ts';

const KiB = 1024;

describe('RunBuffers', () => {
  test('makes buffers in 64 KiB steps and gives the last one back first', () => {
    const buffers = new RunBuffers();
    const a = buffers.take(262_992);
    assert.equal(a.length, 320 * KiB);
    const b = buffers.take(10);
    assert.equal(b.length, 64 * KiB);
    buffers.give(a);
    buffers.give(b);
    assert.equal(buffers.take(64 * KiB), b);
    assert.equal(buffers.take(300 * KiB), a);
    assert.equal(buffers.heldBytes, 0);
  });

  test('takes the latest buffer large enough, past smaller ones; none large enough: a new one', () => {
    const buffers = new RunBuffers();
    const big = buffers.take(200 * KiB);
    const small = buffers.take(1000);
    buffers.give(big);
    buffers.give(small);
    assert.equal(buffers.take(100 * KiB), big);
    const bigger = buffers.take(300 * KiB);
    assert.notEqual(bigger, small);
    assert.equal(bigger.length, 320 * KiB);
    assert.equal(buffers.heldBytes, 64 * KiB);
  });

  test('keeps at most its bound of free bytes', () => {
    const buffers = new RunBuffers(256 * KiB);
    const taken = [1, 2, 3, 4, 5].map(() => buffers.take(64 * KiB));
    for (const buffer of taken) buffers.give(buffer);
    assert.equal(buffers.heldBytes, 256 * KiB);
    const again = [1, 2, 3, 4, 5].map(() => buffers.take(64 * KiB));
    assert.deepEqual(
      again.map((buffer) => taken.indexOf(buffer)),
      [3, 2, 1, 0, -1],
    );
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIRST_COPY_HOLD_MS, FirstCopies } from '../../source/peer/first-copies.ts';

describe('FirstCopies: every piece goes out once before any goes out twice', () => {
  test('a piece given to one peer is declined to another while it holds it', () => {
    const copies = new FirstCopies<string>(4);
    assert.equal(copies.admit(0, 'a', 0), true);
    assert.equal(copies.admit(0, 'b', 10), false);
    assert.equal(copies.admit(1, 'b', 10), true);
    assert.equal(copies.ungrantedCount, 2);
  });

  test('the holder itself is always served the rest of its piece', () => {
    const copies = new FirstCopies<string>(4);
    assert.equal(copies.admit(2, 'a', 0), true);
    assert.equal(copies.admit(2, 'a', 5), true);
    assert.equal(copies.admit(2, 'a', 5_000), true);
    assert.equal(copies.repeats, 0);
  });

  test('a hold lapses FIRST_COPY_HOLD_MS after the holder last asked: a dead holder delays nobody long', () => {
    const copies = new FirstCopies<string>(4);
    copies.admit(0, 'a', 0);
    copies.admit(0, 'a', 400); // asked again: the hold runs from here
    assert.equal(copies.admit(0, 'b', 400 + FIRST_COPY_HOLD_MS - 1), false);
    assert.equal(copies.admit(0, 'b', 400 + FIRST_COPY_HOLD_MS), true);
    assert.equal(copies.repeats, 1);
    // Now 'b' holds it.
    assert.equal(copies.admit(0, 'a', 400 + FIRST_COPY_HOLD_MS + 1), false);
  });

  test('once every piece went out, a new round starts and anything may go out again', () => {
    const copies = new FirstCopies<string>(3);
    copies.admit(0, 'a', 0);
    copies.admit(1, 'b', 0);
    assert.equal(copies.completedRounds, 0);
    assert.equal(copies.admit(2, 'c', 1), true);
    assert.equal(copies.completedRounds, 1);
    assert.equal(copies.ungrantedCount, 3);
    // Held pieces of the last round are free: the swarm has a copy of each.
    assert.equal(copies.admit(0, 'b', 2), true);
    assert.equal(copies.admit(0, 'c', 2), false);
  });

  test('one peer alone is never declined', () => {
    const pieces = 64;
    const copies = new FirstCopies<string>(pieces);
    for (let round = 0; round < 3; round++) {
      for (let piece = pieces - 1; piece >= 0; piece--) {
        assert.equal(copies.admit(piece, 'only', round * 10 + piece), true);
      }
    }
    assert.equal(copies.completedRounds, 3);
    assert.equal(copies.repeats, 0);
  });
});

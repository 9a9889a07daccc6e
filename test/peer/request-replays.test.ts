import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_REMEMBERED_PER_SLOT, RequestReplays } from '../../source/peer/request-replays.ts';

describe('RequestReplays', () => {
  test('a txid is first seen once in its cookie slot and the next; two slots on it is new again', () => {
    const replays = new RequestReplays();
    assert.equal(replays.firstSeen(7, 100), true);
    assert.equal(replays.firstSeen(8, 100), true);
    assert.equal(replays.firstSeen(7, 100), false);
    assert.equal(replays.firstSeen(7, 101), false);
    assert.equal(replays.firstSeen(9, 101), true);
    // Slot 102: a cookie of slot 100 is no longer valid, so its requests are forgotten.
    assert.equal(replays.firstSeen(8, 102), true);
    assert.equal(replays.firstSeen(9, 102), false);
  });

  test('after a gap of slots nothing before is remembered', () => {
    const replays = new RequestReplays();
    assert.equal(replays.firstSeen(1, 5), true);
    assert.equal(replays.firstSeen(2, 6), true);
    assert.equal(replays.firstSeen(2, 9), true);
    assert.equal(replays.firstSeen(1, 9), true);
  });

  test(`keeps at most ${MAX_REMEMBERED_PER_SLOT} a slot, then the older generation goes first`, () => {
    const replays = new RequestReplays();
    for (let txid = 0; txid < 2 * MAX_REMEMBERED_PER_SLOT; txid++) replays.firstSeen(txid, 1);
    // The newest two generations' worth are still known; one more turns out the first.
    assert.equal(replays.firstSeen(0, 1), false);
    assert.equal(replays.firstSeen(2 * MAX_REMEMBERED_PER_SLOT - 1, 1), false);
    replays.firstSeen(2 * MAX_REMEMBERED_PER_SLOT, 1);
    assert.equal(replays.firstSeen(0, 1), true);
    assert.equal(replays.firstSeen(MAX_REMEMBERED_PER_SLOT, 1), false);
  });
});

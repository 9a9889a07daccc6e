import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaults } from '../../../source/config.ts';
import {
  DECLINES_REMEMBERED_MS,
  OwnerSession,
  SLOW_JUDGED_AFTER_MS,
  STALLED_DECLINES_REMEMBERED_MS,
} from '../../../source/peer/download/owner-session.ts';
import { PeerLink } from '../../../source/peer/peer-link.ts';

const LIMITS = {
  minWindowBlocks: defaults.minWindowBlocks,
  initialWindowBlocks: defaults.initialWindowBlocks,
  maxWindowBlocks: defaults.maxWindowBlocks,
  minBlockTimeoutMs: defaults.minBlockTimeoutMs,
  maxBlockTimeoutMs: defaults.maxBlockTimeoutMs,
};
const ADDRESS = { address: '127.0.0.1', port: 4000 };

describe('OwnerSession: pieces a complete owner declined (elsewhere)', () => {
  test('are not offered to it again for a while, then everything is', () => {
    const owner = new OwnerSession(new PeerLink(1, ADDRESS, LIMITS), LIMITS.minWindowBlocks, 0);
    assert.equal(owner.offer(0), null, 'a complete owner is offered every piece');
    owner.decline(3, 10, 100);
    owner.decline(7, 10, 150);
    const offered = owner.offer(200);
    assert.ok(offered !== null);
    assert.equal(offered.count, 8);
    assert.equal(owner.offers(3, 200), false);
    assert.equal(owner.offers(7, 200), false);
    assert.equal(owner.offers(4, 200), true);
    // Remembered from the first refusal on: by then the peer that got them has them.
    assert.equal(owner.offers(7, 100 + DECLINES_REMEMBERED_MS - 1), false);
    assert.equal(owner.offer(100 + DECLINES_REMEMBERED_MS), null);
    assert.equal(owner.offers(7, 100 + DECLINES_REMEMBERED_MS), true);
  });

  test('a download with nothing in flight asks again sooner: it waits on nothing else', () => {
    const owner = new OwnerSession(new PeerLink(1, ADDRESS, LIMITS), LIMITS.minWindowBlocks, 0);
    owner.decline(5, 10, 100);
    assert.equal(owner.declining, true);
    const soon = 100 + STALLED_DECLINES_REMEMBERED_MS;
    assert.equal(owner.offers(5, soon - 1, true), false);
    assert.equal(owner.offers(5, soon, false), false, 'busy with others: remembered for longer');
    assert.equal(owner.offers(5, soon, true), true);
    assert.equal(owner.declining, false);
  });

  test('a partial owner is offered what its bitfield says, declines or not', () => {
    const owner = new OwnerSession(
      new PeerLink(1, ADDRESS, LIMITS),
      LIMITS.minWindowBlocks,
      0,
      false,
    );
    owner.decline(3, 10, 100);
    assert.equal(owner.offer(100), owner.has);
  });
});

describe('OwnerSession: slow beside the best owner', () => {
  test('judged only once it has been in use a while: its first samples are round trips', () => {
    // Put in use at 1,000 ms, blocks asked, nothing back yet: 0 B/s beside 885 KiB/s.
    const owner = new OwnerSession(new PeerLink(1, ADDRESS, LIMITS), LIMITS.minWindowBlocks, 0);
    owner.state = 'active';
    owner.inUseSinceMs = 1_000;
    owner.asked(4, 1_000);
    const best = 885 * 1024;
    assert.equal(owner.slowBeside(best, 1_300), false, 'met 0.3 s ago (was: slow, 0 B/s)');
    assert.equal(owner.slowBeside(best, 1_000 + SLOW_JUDGED_AFTER_MS), true);
    owner.rateBytesPerSec = best / 4;
    assert.equal(owner.slowBeside(best, 1_000 + SLOW_JUDGED_AFTER_MS), false, 'a quarter of it');
    owner.rateBytesPerSec = 0;
    owner.settled();
    owner.settled();
    owner.settled();
    owner.settled();
    assert.equal(owner.slowBeside(best, 10_000), false, 'nothing asked of it: nothing to judge');
  });

  test('a partial owner is never judged slow; a slow one is used again at a quarter', () => {
    const partial = new OwnerSession(
      new PeerLink(2, ADDRESS, LIMITS),
      LIMITS.minWindowBlocks,
      0,
      false,
    );
    partial.state = 'active';
    partial.asked(1, 0);
    assert.equal(partial.slowBeside(1024 * 1024, 60_000), false);
    const owner = new OwnerSession(new PeerLink(3, ADDRESS, LIMITS), LIMITS.minWindowBlocks, 0);
    owner.rateBytesPerSec = 255 * 1024;
    assert.equal(owner.fastAgainBeside(1024 * 1024), false);
    owner.rateBytesPerSec = 256 * 1024;
    assert.equal(owner.fastAgainBeside(1024 * 1024), true);
  });
});

describe('OwnerSession: how long it has been silent', () => {
  test('counts from the first request after it was last heard, not from its last DATA', () => {
    // Met at 0, a block at 1,000, then asked nothing until 6,000 (other owners were faster).
    const owner = new OwnerSession(new PeerLink(1, ADDRESS, LIMITS), LIMITS.minWindowBlocks, 0);
    owner.asked(1, 500);
    owner.onBlock(1_000);
    owner.settled();
    owner.asked(1, 6_000);
    assert.equal(owner.silentForMs(6_400), 400, 'was 5,400: dead 0.4 s after it was asked');
    // Asked again while that request is unanswered: still silent since the first one.
    owner.asked(2, 7_000);
    assert.equal(owner.silentForMs(9_500), 3_500);
    // A refusal is a hearing: the next request starts the count anew.
    owner.lastRefusedAtMs = 9_600;
    owner.asked(1, 9_700);
    assert.equal(owner.silentForMs(10_000), 300);
  });

  test('blocks that time out and are asked again do not reset it: a dead owner stays silent', () => {
    const owner = new OwnerSession(new PeerLink(1, ADDRESS, LIMITS), LIMITS.minWindowBlocks, 0);
    owner.onBlock(100);
    owner.asked(4, 200);
    for (let atMs = 700; atMs <= 3_200; atMs += 500) {
      owner.forgetInFlight();
      owner.asked(4, atMs);
    }
    assert.equal(owner.silentForMs(3_300), 3_100);
  });
});

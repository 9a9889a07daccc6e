import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ASKED_AGAIN_MS,
  FIRST_COPY_HOLD_MS,
  FirstCopies,
  HOLDER_QUIET_MS,
  ROUND_IDLE_MS,
} from '../../source/peer/first-copies.ts';

/** A requester as the seeder's ledger keeps it: the time of its latest request. */
class Peer {
  lastActiveMs = Number.NEGATIVE_INFINITY;
}

/** `peer` asks for `piece` at `nowMs` (the ledger marks it active first, as the seeder does). */
function ask(copies: FirstCopies<Peer>, piece: number, peer: Peer, nowMs: number): boolean {
  peer.lastActiveMs = nowMs;
  return copies.admit(piece, peer, nowMs);
}

describe('FirstCopies: every piece goes out once before any goes out twice', () => {
  test('a piece given to one peer is declined to another while it holds it', () => {
    const [a, b] = [new Peer(), new Peer()];
    const copies = new FirstCopies<Peer>(4);
    assert.equal(ask(copies, 0, a, 0), true);
    assert.equal(ask(copies, 0, b, 10), false);
    assert.equal(ask(copies, 1, b, 10), true);
    assert.equal(copies.ungrantedCount, 2);
  });

  test('the holder itself is always served the rest of its piece', () => {
    const a = new Peer();
    const copies = new FirstCopies<Peer>(4);
    assert.equal(ask(copies, 2, a, 0), true);
    assert.equal(ask(copies, 2, a, 5), true);
    assert.equal(ask(copies, 2, a, 5_000), true);
    assert.equal(copies.repeats, 0);
  });

  test('a hold lapses FIRST_COPY_HOLD_MS after the holder last asked for the piece', () => {
    const [a, b] = [new Peer(), new Peer()];
    const copies = new FirstCopies<Peer>(4);
    ask(copies, 0, a, 0);
    ask(copies, 0, a, 400); // asked again: the hold runs from here
    for (let at = 500; at < 400 + FIRST_COPY_HOLD_MS; at += 100) {
      ask(copies, 1, a, at); // still busy with this owner
      // A new asker each time: one declined before is served when it asks again (see below).
      assert.equal(ask(copies, 0, new Peer(), at), false, `at ${at} ms`);
    }
    ask(copies, 1, a, 400 + FIRST_COPY_HOLD_MS);
    assert.equal(ask(copies, 0, b, 400 + FIRST_COPY_HOLD_MS), true);
    assert.equal(copies.repeats, 1);
    // Now b holds it.
    assert.equal(ask(copies, 0, a, 400 + FIRST_COPY_HOLD_MS + 1), false);
  });

  test('a holder that stopped asking (it has the file, or left) holds nothing', () => {
    const [a, b] = [new Peer(), new Peer()];
    const copies = new FirstCopies<Peer>(4);
    ask(copies, 0, a, 0);
    assert.equal(ask(copies, 0, b, HOLDER_QUIET_MS - 1), false);
    assert.equal(ask(copies, 0, b, HOLDER_QUIET_MS), true);
  });

  test('a peer declined a piece that asks again ASKED_AGAIN_MS on is served; the holder keeps it', () => {
    const [a, b] = [new Peer(), new Peer()];
    const copies = new FirstCopies<Peer>(4);
    ask(copies, 0, a, 0);
    assert.equal(ask(copies, 0, b, 100), false);
    ask(copies, 1, a, 100 + ASKED_AGAIN_MS - 1);
    assert.equal(ask(copies, 0, b, 100 + ASKED_AGAIN_MS - 1), false, 'too soon');
    ask(copies, 1, a, 100 + ASKED_AGAIN_MS);
    assert.equal(ask(copies, 0, b, 100 + ASKED_AGAIN_MS), true);
    assert.equal(ask(copies, 0, b, 100 + ASKED_AGAIN_MS + 1), true, 'the rest of the piece too');
    assert.equal(copies.repeats, 1, 'one second copy');
    assert.equal(ask(copies, 0, a, 100 + ASKED_AGAIN_MS + 2), true, 'a still holds it');
  });

  test('the last piece, its holder gone: every peer declined it gets it once asked again', () => {
    // A flash crowd's end, found on the LAN testbed: the holder of the piece everyone lacked left
    // as soon as it had the file, and the hold passed from asker to asker, one each time it
    // lapsed; with the refusals kept as the hold passes, each is served when it asks again.
    const [holder, b, c, d] = [new Peer(), new Peer(), new Peer(), new Peer()];
    const copies = new FirstCopies<Peer>(4);
    ask(copies, 3, holder, 0);
    for (const peer of [b, c, d]) assert.equal(ask(copies, 3, peer, 10), false);
    // The holder says nothing more (it left): the next asker takes the hold over, and the others,
    // declined as long ago, are served too instead of waiting for that hold to lapse in turn.
    const later = 10 + Math.max(HOLDER_QUIET_MS, ASKED_AGAIN_MS);
    assert.equal(ask(copies, 3, b, later), true);
    assert.equal(ask(copies, 3, c, later), true);
    assert.equal(ask(copies, 3, d, later), true);
  });

  test('once every piece went out, a new round starts and anything may go out again', () => {
    const [a, b, c] = [new Peer(), new Peer(), new Peer()];
    const copies = new FirstCopies<Peer>(3);
    ask(copies, 0, a, 0);
    ask(copies, 1, b, 0);
    assert.equal(copies.completedRounds, 0);
    assert.equal(ask(copies, 2, c, 1), true);
    assert.equal(copies.completedRounds, 1);
    assert.equal(copies.ungrantedCount, 3);
    // Held pieces of the last round are free: the swarm has a copy of each.
    assert.equal(ask(copies, 0, b, 2), true);
    assert.equal(ask(copies, 0, c, 2), false);
  });

  test('a round nobody asked anything of for ROUND_IDLE_MS is given up: a later crowd starts afresh', () => {
    // Found by hand: a download stopped half-way, and the round it began ended 31 minutes later
    // in another's download, `went out once (in 1868.1 s, 2 twice)`.
    const [a, b, c] = [new Peer(), new Peer(), new Peer()];
    const copies = new FirstCopies<Peer>(4);
    assert.equal(ask(copies, 0, a, 0), true);
    assert.equal(ask(copies, 1, a, 10), true);
    const later = 10 + ROUND_IDLE_MS;
    // Pieces 0 and 1 count as out no more: b's first grant opens a round of four pieces.
    assert.equal(ask(copies, 0, b, later), true);
    assert.equal(copies.ungrantedCount, 3);
    assert.equal(ask(copies, 0, c, later + 1), false, 'held by b: the new round cares');
    for (const piece of [1, 2, 3]) assert.equal(ask(copies, piece, c, later + 2), true);
    assert.equal(copies.completedRounds, 1);
    assert.deepEqual([copies.lastRoundMs, copies.lastRoundRepeats], [2, 0]);
    // Just under the idle time, the round goes on.
    const next = new FirstCopies<Peer>(4);
    assert.equal(ask(next, 0, a, 0), true);
    assert.equal(ask(next, 1, b, ROUND_IDLE_MS - 1), true);
    assert.equal(next.ungrantedCount, 2);
  });

  test('one peer alone is never declined', () => {
    const only = new Peer();
    const pieces = 64;
    const copies = new FirstCopies<Peer>(pieces);
    for (let round = 0; round < 3; round++) {
      for (let piece = pieces - 1; piece >= 0; piece--) {
        assert.equal(ask(copies, piece, only, round * 10 + piece), true);
      }
    }
    assert.equal(copies.completedRounds, 3);
    assert.equal(copies.repeats, 0);
  });

  test("a round's time runs from its first grant to its last; a one-piece file's is 0", () => {
    const [a, b] = [new Peer(), new Peer()];
    const copies = new FirstCopies<Peer>(2);
    ask(copies, 0, a, 1_000);
    ask(copies, 1, b, 3_500);
    assert.deepEqual([copies.completedRounds, copies.lastRoundMs], [1, 2_500]);
    ask(copies, 1, a, 9_000);
    ask(copies, 0, b, 9_250);
    assert.deepEqual([copies.completedRounds, copies.lastRoundMs], [2, 250]);
    // Found by hand: a 6-byte file logged `went out once (in Infinity s, 0 twice)`.
    const tiny = new FirstCopies<Peer>(1);
    ask(tiny, 0, a, 42_000);
    assert.deepEqual([tiny.completedRounds, tiny.lastRoundMs], [1, 0]);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { Bitfield } from '../../source/peer/download/bitfield.ts';
import { PiecePicker } from '../../source/peer/download/piece-picker.ts';

const SEED = 20261201;

/** A picker whose randomness comes from `seed`; randomFirstPieces 0 means rarest first at once. */
function picker(pieceCount: number, seed = SEED, randomFirstPieces?: number): PiecePicker {
  const random = new SeededRandom(seed);
  return new PiecePicker(pieceCount, undefined, {
    random: () => random.next(),
    randomFirstPieces,
  });
}

function bitfield(size: number, pieces: Iterable<number>): Bitfield {
  const field = new Bitfield(size);
  for (const piece of pieces) field.add(piece);
  return field;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, index) => from + index);
}

/** Takes for `peerHas` until -1, in order. */
function drain(picker: PiecePicker, peerHas: Bitfield | null): number[] {
  const pieces: number[] = [];
  for (let piece = picker.take(peerHas); piece >= 0; piece = picker.take(peerHas)) {
    pieces.push(piece);
  }
  return pieces;
}

function availabilities(picker: PiecePicker): number[] {
  return range(0, picker.pieceCount).map((piece) => picker.availability(piece));
}

const sorted = (pieces: number[]) => [...pieces].sort((a, b) => a - b);

describe('piece picker', () => {
  test('given-back pieces come first, before random and rarest ones', () => {
    const pieces = picker(10, SEED, 0);
    const first = pieces.take(null);
    const second = pieces.take(null);
    pieces.release(first);
    assert.equal(pieces.take(null), first, `seed ${SEED}`);
    pieces.release(second);
    assert.equal(pieces.take(null), second, `seed ${SEED}`);
  });

  test('a given-back piece the peer lacks is skipped, not handed to it', () => {
    const pieces = picker(10, SEED, 0);
    const taken = [pieces.take(null), pieces.take(null)];
    for (const piece of taken) pieces.release(piece);
    const peer = bitfield(10, [taken[1]!, 9]);
    assert.equal(pieces.take(peer), taken[1], `seed ${SEED}`);
    const other = bitfield(10, range(0, 10));
    other.delete(taken[0]!);
    assert.notEqual(pieces.take(other), taken[0], `seed ${SEED}`);
    assert.equal(pieces.take(null), taken[0], `seed ${SEED}`);
  });

  test('random first pieces come only from the peer’s set', () => {
    const pieces = picker(64);
    const peer = bitfield(64, [5, 17, 40]);
    assert.deepEqual(sorted(drain(pieces, peer)), [5, 17, 40], `seed ${SEED}`);
  });

  test('the first pieces are random, not the lowest index', () => {
    const firsts = new Set(range(1, 21).map((seed) => picker(256, seed).take(null)));
    assert.ok(firsts.size >= 18, `20 seeds gave ${firsts.size} different first pieces`);
  });

  test('rarest first once enough pieces are verified', () => {
    const pieces = picker(12);
    for (const piece of [8, 9, 10, 11]) pieces.markVerified(piece);
    // Availability: 0-3 by three peers, 4-5 by two, 6-7 by one.
    const all = bitfield(12, range(0, 12));
    pieces.addPeer(all);
    pieces.addPeer(bitfield(12, range(0, 6)));
    pieces.addPeer(bitfield(12, range(0, 4)));
    const order = drain(pieces, all);
    assert.deepEqual(sorted(order.slice(0, 2)), [6, 7], `seed ${SEED}: ${order}`);
    assert.deepEqual(sorted(order.slice(2, 4)), [4, 5], `seed ${SEED}: ${order}`);
    assert.deepEqual(sorted(order.slice(4)), [0, 1, 2, 3], `seed ${SEED}: ${order}`);
  });

  test('a HAVE makes a piece less rare', () => {
    const pieces = picker(3, SEED, 0);
    pieces.addPeer(bitfield(3, [0, 1, 2]));
    pieces.addHave(0);
    pieces.addHave(1);
    assert.equal(pieces.take(null), 2, `seed ${SEED}`);
    pieces.addHave(1);
    assert.equal(pieces.take(null), 0, `seed ${SEED}`);
    assert.equal(pieces.availability(1), 3);
  });

  test('ties are broken at random: 8 pickers with equal availability pick different pieces', () => {
    const leecher = bitfield(256, range(64, 128));
    for (const peerHas of [null, leecher]) {
      const picks = range(1, 9).map((seed) => {
        const pieces = picker(256, seed, 0);
        pieces.addPeer(peerHas);
        return pieces.take(peerHas);
      });
      assert.ok(new Set(picks).size >= 7, `seeds 1-8 picked ${picks}`);
      const outside = picks.filter((piece) => peerHas !== null && !peerHas.has(piece));
      assert.deepEqual(outside, [], 'only pieces the peer has');
    }
  });

  test('a peer holding only common pieces gets one of them, rarest and at random', () => {
    // 2,000 rarer pieces this peer lacks: more than a bucket scan passes over before walking
    // the peer's own pieces instead.
    const picks = range(1, 9).map((seed) => {
      const pieces = picker(2048, seed, 0);
      pieces.addPeer(bitfield(2048, range(0, 2048)));
      const common = bitfield(2048, range(0, 10));
      pieces.addPeer(common);
      pieces.addPeer(bitfield(2048, [0, 1, 2, 5, 6, 7, 8, 9]));
      const piece = pieces.take(common);
      assert.ok(piece === 3 || piece === 4, `seed ${seed}: ${piece}`);
      assert.equal(pieces.take(common), 7 - piece, `seed ${seed}`);
      assert.ok(pieces.take(common) < 10, `seed ${seed}`);
      return piece;
    });
    assert.deepEqual(new Set(picks), new Set([3, 4]), `seeds 1-8 picked ${picks}`);
  });

  test('a peer with nothing we still need gets -1 and is not interesting', () => {
    const pieces = picker(8, SEED, 0);
    pieces.markVerified(2);
    pieces.markVerified(3);
    const peer = bitfield(8, [2, 3]);
    assert.equal(pieces.take(peer), -1);
    assert.equal(pieces.interesting(peer), false);
    assert.equal(pieces.take(new Bitfield(8)), -1);
    assert.equal(pieces.interesting(new Bitfield(8)), false);
    assert.equal(pieces.interesting(bitfield(8, [3, 7])), true);
    assert.equal(pieces.interesting(null), true);
  });

  test('an active piece is still interesting but not handed out again', () => {
    const pieces = picker(8, SEED, 0);
    const peer = bitfield(8, [6]);
    assert.equal(pieces.take(peer), 6);
    assert.equal(pieces.isActive(6), true);
    assert.equal(pieces.take(peer), -1);
    assert.equal(pieces.interesting(peer), true);
  });

  test('spare bits past the last piece do not make a peer interesting', () => {
    const pieces = picker(5, SEED, 0);
    for (const piece of range(0, 5)) pieces.markVerified(piece);
    assert.equal(pieces.interesting(new Bitfield(5, Uint8Array.of(0xff))), false);
    assert.equal(pieces.interesting(null), false);
  });

  test('verified and active pieces are never handed out twice', () => {
    const verified = bitfield(100, [0, 10, 20, 30, 40]);
    const random = new SeededRandom(SEED);
    const pieces = new PiecePicker(100, verified, { random: () => random.next() });
    pieces.addPeer(bitfield(100, range(0, 50)));
    const half = drain(pieces, bitfield(100, range(0, 50)));
    const rest = drain(pieces, null);
    const expected = range(0, 100).filter((piece) => !verified.has(piece));
    assert.deepEqual(sorted([...half, ...rest]), expected, `seed ${SEED}`);
    assert.equal(half.length, 45);
    assert.equal(pieces.unassignedCount, 0);
  });

  test('complete owners (null) count in availability without per-piece counts', () => {
    const pieces = picker(4);
    pieces.addPeer(null);
    pieces.addPeer(null);
    pieces.addPeer(bitfield(4, [1]));
    assert.deepEqual(availabilities(pieces), [2, 3, 2, 2]);
    pieces.removePeer(null);
    assert.deepEqual(availabilities(pieces), [1, 2, 1, 1]);
  });

  test('removePeer undoes addPeer, order included', () => {
    const pieces = picker(6, SEED, 0);
    const full = bitfield(6, range(0, 6));
    const fiveHolder = bitfield(6, [5]);
    pieces.addPeer(full);
    pieces.addPeer(fiveHolder);
    pieces.addPeer(null);
    pieces.removePeer(fiveHolder);
    pieces.removePeer(null);
    assert.deepEqual(availabilities(pieces), [1, 1, 1, 1, 1, 1]);
    pieces.addPeer(bitfield(6, range(0, 5)));
    assert.equal(pieces.take(null), 5, 'piece 5 is the rarest again');
    pieces.removePeer(full);
    pieces.removePeer(full);
    pieces.removePeer(full);
    pieces.removePeer(null);
    assert.deepEqual(availabilities(pieces), [0, 0, 0, 0, 0, 0], 'never below zero');
  });

  test('release returns a piece to the pool; requeue takes back a verified piece', () => {
    const pieces = picker(4, SEED, 0);
    const a = pieces.take(null);
    const b = pieces.take(null);
    assert.equal(pieces.unassignedCount, 2);
    pieces.release(range(0, 4).find((piece) => !pieces.isActive(piece))!);
    assert.equal(pieces.unassignedCount, 2);
    pieces.markVerified(a);
    pieces.release(a);
    assert.equal(pieces.verified.has(a), true, 'releasing a verified piece keeps it verified');
    assert.equal(pieces.unassignedCount, 2);
    pieces.release(b);
    assert.equal(pieces.isActive(b), false);
    assert.equal(pieces.unassignedCount, 3);
    pieces.requeue(a);
    assert.equal(pieces.verified.has(a), false);
    assert.equal(pieces.take(null), a, 'requeued last, offered first');
    assert.equal(pieces.take(null), b);
    for (const piece of [a, b, ...drain(pieces, null)]) pieces.markVerified(piece);
    assert.equal(pieces.complete, true);
    assert.equal(pieces.unassignedCount, 0);
  });

  test('a one-piece file and an empty file', () => {
    const one = picker(1);
    one.addPeer(null);
    assert.equal(one.interesting(null), true);
    assert.equal(one.take(null), 0);
    assert.equal(one.take(null), -1);
    one.markVerified(0);
    assert.equal(one.complete, true);
    assert.equal(one.interesting(null), false);

    const empty = picker(0);
    empty.addPeer(new Bitfield(0));
    assert.equal(empty.complete, true);
    assert.equal(empty.take(null), -1);
    assert.equal(empty.interesting(new Bitfield(0)), false);
    assert.equal(empty.unassignedCount, 0);
  });

  test('every rarest-first pick has the lowest availability among the peer’s needed pieces', () => {
    const world = new SeededRandom(SEED);
    const pieceCount = 300;
    const pieces = picker(pieceCount, SEED + 1);
    const peers = range(0, 12).map(() =>
      bitfield(
        pieceCount,
        range(0, pieceCount).filter(() => world.next() < 0.4),
      ),
    );
    for (const peer of peers) pieces.addPeer(peer);
    const givenBack = new Set<number>();
    for (let step = 0; step < 2000 && !pieces.complete; step++) {
      const peer = peers[world.int(peers.length)]!;
      const lacking = range(0, pieceCount).filter((piece) => !peer.has(piece));
      if (lacking.length > 0 && world.next() < 0.5) {
        const piece = lacking[world.int(lacking.length)]!;
        peer.add(piece);
        pieces.addHave(piece);
      }
      const candidates = range(0, pieceCount).filter(
        (piece) => peer.has(piece) && !pieces.verified.has(piece) && !pieces.isActive(piece),
      );
      const rarest = Math.min(...candidates.map((piece) => pieces.availability(piece)));
      const randomPhase = pieces.verified.count < 4;
      const backFirst = candidates.filter((piece) => givenBack.has(piece));
      const piece = pieces.take(peer);
      givenBack.delete(piece);
      if (candidates.length === 0) {
        assert.equal(piece, -1, `seed ${SEED} step ${step}`);
        continue;
      }
      assert.ok(candidates.includes(piece), `seed ${SEED} step ${step}: ${piece}`);
      if (backFirst.length > 0) {
        assert.ok(backFirst.includes(piece), `seed ${SEED} step ${step}: given back first`);
      } else if (!randomPhase) {
        assert.equal(pieces.availability(piece), rarest, `seed ${SEED} step ${step}`);
      }
      if (world.next() < 0.1) {
        pieces.release(piece);
        givenBack.add(piece);
      } else {
        pieces.markVerified(piece);
      }
    }
    assert.equal(pieces.complete, true, `seed ${SEED}`);
  });
});

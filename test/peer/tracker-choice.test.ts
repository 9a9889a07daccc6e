import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatAddress } from '../../source/format.ts';
import { TrackerChoice } from '../../source/peer/tracker-choice.ts';

const A = { address: '127.0.0.1', port: 1 };
const B = { address: '127.0.0.1', port: 2 };
const C = { address: '::1', port: 3 };

describe('TrackerChoice', () => {
  test('moves round-robin, at once until a whole round failed, then backs off', () => {
    const choice = new TrackerChoice([A, B, C]);
    assert.equal(choice.current, A);
    assert.equal(choice.moveOn(), true);
    assert.equal(choice.current, B);
    assert.equal(choice.moveOn(), true);
    assert.equal(choice.current, C);
    assert.equal(choice.moveOn(), false, 'A, B and C all failed: back off');
    assert.equal(choice.current, A, 'the retry starts the next round at A');
    assert.equal(choice.moveOn(), true);
  });

  test('a late failure of a tracker already left does not move the node back to it', () => {
    const choice = new TrackerChoice([A, B]);
    assert.equal(choice.moveOn(A), true, 'a heartbeat to A timed out: B');
    assert.equal(choice.moveOn(A), true, 'a NEED sent to A before the move timed out too');
    assert.equal(choice.current, B, 'still B');
    assert.equal(choice.moveOn(B), false, 'B failed as well: the round is over');
  });

  test('an answer starts a new round', () => {
    const choice = new TrackerChoice([A, B]);
    assert.equal(choice.moveOn(), true);
    choice.answered();
    assert.equal(choice.moveOn(), true, 'B answered before: A is worth trying at once');
    assert.equal(choice.current, A);
  });

  test('a tracker that moved keeps its place and is tried next', () => {
    const choice = new TrackerChoice([A, B]);
    assert.equal(choice.moveOn(A), true);
    assert.equal(choice.moveOn(B), false, 'a whole round failed: the names are looked up again');
    assert.equal(choice.current, A, 'the next round would begin at A');
    const movedB = { address: '127.0.0.1', port: 4 };
    choice.replace(1, movedB);
    assert.deepEqual(choice.all, [A, movedB]);
    assert.equal(choice.current, A, 'replaced in place: the order and the one in use stay');
    choice.tryNext(1);
    assert.equal(choice.current, movedB);
    assert.equal(choice.moveOn(movedB), true, 'the moved one failing is not a whole round');
    assert.equal(choice.current, A);
    assert.equal(choice.moveOn(B), true, 'a late failure of where B was moves nothing');
    assert.equal(choice.current, A);
  });

  test('one tracker: never several, every failure backs off', () => {
    const choice = new TrackerChoice(A);
    assert.equal(choice.several, false);
    assert.equal(choice.moveOn(), false);
    assert.equal(choice.current, A);
  });

  test('addresses print as host:port, IPv6 in brackets', () => {
    assert.equal(formatAddress(A), '127.0.0.1:1');
    assert.equal(formatAddress(C), '[::1]:3');
  });
});

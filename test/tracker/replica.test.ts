/**
 * Two trackers' states kept in step by their ops alone (what the Redis store carries): every
 * node of the shared swarm is in both, with the tracker it talks to; owners and credits from
 * both add up; a node moving to the other tracker keeps its session there.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TrackerState } from '../../source/tracker/tracker-state.ts';
import { creditOf, heartbeat, infohash, newState, own, register, update } from './fixtures.ts';

const A = '127.0.0.1:1';
const B = '127.0.0.1:2';
const FILE = { infohash: infohash(0x3c), name: 'shared.iso', size: 1000 };

/** Hands `from`'s new ops to `to`, as the store does. */
function sync(from: TrackerState, to: TrackerState, nowMs = 0): void {
  to.applyRemote(from.takeOps(), nowMs);
}

function trackersOf(state: TrackerState): [number, string][] {
  return state.snapshot(0).nodes.map((row) => [row.nodeId, row.tracker]);
}

describe('replicas of a shared swarm', () => {
  test('each tracker shows every node and which tracker it talks to', () => {
    const a = newState({ sharedAs: A }).state;
    const b = newState({ sharedAs: B }, 2).state;
    register(a, 1, 5001, 0);
    register(b, 2, 5002, 0);
    sync(a, b);
    sync(b, a);
    const expected: [number, string][] = [
      [1, A],
      [2, B],
    ];
    assert.deepEqual(trackersOf(a), expected);
    assert.deepEqual(trackersOf(b), expected);
  });

  test('a node that moves keeps its session; the view follows it', () => {
    const a = newState({ sharedAs: A }).state;
    const b = newState({ sharedAs: B }, 2).state;
    const token = register(a, 1, 5001, 0);
    sync(a, b);
    assert.deepEqual(heartbeat(b, token, 5001, 1_000), { type: 'ack' });
    sync(b, a, 1_000);
    assert.deepEqual(trackersOf(a), [[1, B]]);
    assert.deepEqual(trackersOf(b), [[1, B]]);
  });

  test('owners and credits given on both trackers add up; a retransmission to the other credits nothing', () => {
    const a = newState({ sharedAs: A }).state;
    const b = newState({ sharedAs: B }, 2).state;
    const tokens = [1, 2, 3].map((id) => register(a, id, 5000 + id, 0));
    own(a, tokens[0]!, 5001, 0, FILE);
    sync(a, b);
    own(b, tokens[1]!, 5002, 0, FILE);
    update(a, tokens[2]!, 5003, 0, FILE.infohash, 7, [{ nodeId: 1, bytes: 300 }]);
    update(b, tokens[2]!, 5003, 0, FILE.infohash, 8, [{ nodeId: 1, bytes: 200 }]);
    sync(a, b);
    sync(b, a);
    for (const state of [a, b]) {
      assert.deepEqual(
        state.toPersisted().files.map((file) => file.owners),
        [[1, 2]],
      );
      assert.equal(creditOf(state, 1, 0), 500);
    }
    update(b, tokens[2]!, 5003, 0, FILE.infohash, 7, [{ nodeId: 1, bytes: 300 }]);
    assert.equal(creditOf(b, 1, 0), 500, 'download 7 was credited on A already');
  });
});

/**
 * Two trackers' states kept in step by their ops alone (what the Redis store carries): every
 * node of the shared swarm is in both, with the tracker it talks to; owners and credits from
 * both add up; a node moving to the other tracker keeps its session there.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StateOp } from '../../source/tracker/store/ops.ts';
import type { TrackerState } from '../../source/tracker/tracker-state.ts';
import {
  at,
  creditOf,
  heartbeat,
  infohash,
  newState,
  own,
  register,
  SWEEP_MS,
  update,
} from './fixtures.ts';

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

/**
 * Tracker B starting on what A stored, after ten sweep periods in which no tracker listened (the
 * store says every node was heard that long ago), as the server starts one.
 */
function startAfterOutage(a: TrackerState): { b: TrackerState; start: number } {
  const ops = a.takeOps();
  const { state: b, clock } = newState({ sharedAs: B }, 2);
  clock.advance(10 * SWEEP_MS);
  const start = clock.now();
  b.applyRemote(ops, start);
  b.graceAfterStart(start);
  return { b, start };
}

/**
 * The ops a whole read of the shared swarm gives (as opsFromSwarm makes them from Redis): every
 * record, its credit less what the ledger's UPDATEs granted, then those UPDATEs.
 */
function wholeSwarm(state: TrackerState, ledger: StateOp[]): StateOp[] {
  const granted = new Map<number, number>();
  for (const op of ledger) {
    if (op.op !== 'credit') continue;
    for (const { nodeId, bytes } of op.granted)
      granted.set(nodeId, (granted.get(nodeId) ?? 0) + bytes);
  }
  const records = state.stateAsOps(0).map((op) =>
    op.op === 'node-set'
      ? {
          ...op,
          node: {
            ...op.node,
            uploadCredit: op.node.uploadCredit - (granted.get(op.node.nodeId) ?? 0),
          },
        }
      : op,
  );
  return [...records, ...ledger];
}

describe('replicas of a shared swarm', () => {
  test('a tracker starting after an outage gives the silent nodes one sweep period to come back', () => {
    const a = newState({ sharedAs: A }).state;
    const t1 = register(a, 1, 5001, 0);
    own(a, t1, 5001, 0, FILE);
    const { b, start } = startAfterOutage(a);
    const status = (nowMs: number) => b.snapshot(nowMs).nodes[0]?.status;
    assert.equal(status(start), 'late');
    assert.deepEqual(
      b.sweep(start + SWEEP_MS - 1).map((event) => event.kind),
      ['late'],
      'late, not dropped',
    );
    // Still an owner meanwhile: its token works, and it keeps its session.
    assert.deepEqual(heartbeat(b, t1, 5001, start + SWEEP_MS - 1), { type: 'ack' });
    assert.equal(status(start + SWEEP_MS - 1), 'alive');
    assert.equal(b.snapshot(start).files[0]?.owners[0]?.nodeId, 1);
  });

  test('...and drops those that do not, one sweep period after its start', () => {
    const a = newState({ sharedAs: A }).state;
    register(a, 1, 5001, 0);
    const { b, start } = startAfterOutage(a);
    const dropped = b.sweep(start + SWEEP_MS).map((event) => event.kind);
    assert.deepEqual(dropped, ['dropped']);
  });

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

  test('a tracker that missed changes becomes the whole swarm read again, its own unwritten changes kept', () => {
    const a = newState({ sharedAs: A }).state;
    const b = newState({ sharedAs: B }, 2).state;
    const tokens = [1, 2].map((id) => register(a, id, 5000 + id, 0));
    own(a, tokens[0]!, 5001, 0, FILE);
    own(a, tokens[1]!, 5002, 0, FILE);
    sync(a, b);
    // What B never receives: node 1 leaves, node 3 joins, owns part of the file and credits 2.
    assert.deepEqual(a.handle({ type: 'exit', token: tokens[0]! }, at(5001), 0).reply, {
      type: 'ack',
    });
    const t3 = register(a, 3, 5003, 0);
    own(a, t3, 5003, 0, FILE, 'partial');
    update(a, t3, 5003, 0, FILE.infohash, 7, [{ nodeId: 2, bytes: 300 }]);
    const ledger = a.takeOps().filter((op) => op.op === 'credit');
    // B's own changes, not written yet when it reads the swarm again.
    const t4 = register(b, 4, 5004, 0);
    own(b, t4, 5004, 0, FILE);
    update(b, t4, 5004, 0, FILE.infohash, 8, [{ nodeId: 2, bytes: 200 }]);
    const unwritten = b.takeOps();

    b.resyncRemote(wholeSwarm(a, ledger), unwritten, 0);
    assert.deepEqual(
      b.snapshot(0).nodes.map((row) => [row.nodeId, row.status, row.uploadCredit]),
      [
        [1, 'dropped', 0],
        [2, 'alive', 500],
        [3, 'alive', 0],
        [4, 'alive', 0],
      ],
    );
    const [file] = b.snapshot(0).files;
    assert.deepEqual(file?.owners.map((owner) => owner.nodeId).sort(), [2, 3, 4]);
    assert.deepEqual([file?.completeOwners, file?.partialOwners], [2, 1]);
    assert.deepEqual(heartbeat(b, t3, 5003, 0), { type: 'ack' }, 'a session opened on A');
    assert.deepEqual(heartbeat(b, t4, 5004, 0), { type: 'ack' }, 'its own session');
    update(b, t4, 5004, 0, FILE.infohash, 8, [{ nodeId: 2, bytes: 200 }]);
    assert.equal(creditOf(b, 2, 0), 500, "node 4's download 8, again: credited already");
    update(b, t3, 5003, 0, FILE.infohash, 7, [{ nodeId: 2, bytes: 300 }]);
    assert.equal(creditOf(b, 2, 0), 500, "node 3's download 7, again: credited on A");
  });
});

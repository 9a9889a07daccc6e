import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatEvent } from '../../source/tracker/events.ts';
import {
  heartbeat,
  infohash,
  isReregister,
  newState,
  own,
  register,
  SWEEP_MS,
} from './fixtures.ts';

function statusOf(state: ReturnType<typeof newState>['state'], nodeId: number, nowMs: number) {
  return state.snapshot(nowMs).nodes.find((n) => n.nodeId === nodeId)?.status;
}

describe('liveness', () => {
  test('a node is alive until exactly one sweep period of silence, then late', () => {
    const { state } = newState();
    register(state, 3, 40111, 0);
    assert.equal(statusOf(state, 3, SWEEP_MS - 1), 'alive');
    assert.deepEqual(state.sweep(SWEEP_MS - 1), []);
    assert.equal(statusOf(state, 3, SWEEP_MS), 'late');
    const events = state.sweep(SWEEP_MS + 1000);
    assert.deepEqual(events.map(formatEvent), ['late node 3 (no heartbeat for 23 s)']);
    assert.deepEqual(state.sweep(SWEEP_MS + 2000), [], 'late is reported once');
  });

  // While the shared store is out, a node heard by another tracker read plain `late`, heard all
  // along (found by a session): the line says this tracker cannot know, and drops nobody.
  test('with the shared store out, late says heartbeats elsewhere do not reach this tracker', () => {
    const { state } = newState();
    register(state, 3, 40111, 0);
    const events = state.sweep(2 * SWEEP_MS + 1000, false);
    assert.deepEqual(events.map(formatEvent), [
      'late node 3 (no heartbeat heard here for 45 s; the shared store is out, so heartbeats to other trackers do not reach this one)',
    ]);
    // Not `dropped` while it is not (its row read so for the whole outage): late, and still an
    // owner; dropped by the first sweep once the store is back.
    assert.equal(statusOf(state, 3, 2 * SWEEP_MS + 1000), 'late');
    assert.deepEqual(state.sweep(2 * SWEEP_MS + 2000, false), []);
    assert.match(formatEvent(state.sweep(2 * SWEEP_MS + 3000)[0]!), /^dropped node 3 /);
    assert.equal(statusOf(state, 3, 2 * SWEEP_MS + 3000), 'dropped');
  });

  test('drops a node after two silent sweeps, with all its ownerships', () => {
    const { state } = newState();
    const token = register(state, 3, 40111, 0);
    own(state, token, 40111, 0, { infohash: infohash(1), name: 'a.iso', size: 10 });
    own(state, token, 40111, 0, { infohash: infohash(2), name: 'b.iso', size: 20 });
    state.sweep(SWEEP_MS);
    assert.deepEqual(state.sweep(2 * SWEEP_MS - 1), []);
    const events = state.sweep(2 * SWEEP_MS);
    assert.deepEqual(events.map(formatEvent), [
      'dropped node 3 (silent for 44 s; 2 files lost an owner; a.iso and b.iso have none left)',
    ]);
    assert.deepEqual(state.toPersisted(), { nodes: [], files: [] });
  });

  test('a dropped node stays visible as dropped for one sweep period, then disappears', () => {
    const { state } = newState();
    register(state, 3, 40111, 0);
    state.sweep(2 * SWEEP_MS);
    const row = state.snapshot(2 * SWEEP_MS + 1).nodes[0];
    assert.equal(row?.status, 'dropped');
    assert.equal(row?.nodeId, 3);
    assert.equal(state.snapshot(2 * SWEEP_MS + 1).header.nodesAlive, 0);
    assert.deepEqual(state.snapshot(3 * SWEEP_MS).nodes, []);
  });

  test("the silence of a tracker that did not run is taken off every node's silence", () => {
    const { state } = newState();
    register(state, 3, 40111, 0);
    register(state, 4, 40112, 10_000);
    // Stopped from 12 s to 72 s: node 3 was silent 12 s before, node 4 2 s.
    state.excuseAbsence(60_000, 72_000);
    assert.deepEqual(state.sweep(72_000), [], 'nobody late, nobody dropped');
    assert.equal(statusOf(state, 3, 72_000 + SWEEP_MS - 12_000 - 1), 'alive');
    assert.equal(statusOf(state, 3, 72_000 + SWEEP_MS - 12_000), 'late');
    assert.equal(statusOf(state, 4, 72_000 + SWEEP_MS - 2_000 - 1), 'alive');
  });

  test('a heartbeat refreshes last-heard, and a late node coming back is an event', () => {
    const { state } = newState();
    const token = register(state, 3, 40111, 0);
    assert.deepEqual(heartbeat(state, token, 40111, 20_000), { type: 'ack' });
    assert.equal(statusOf(state, 3, 20_000 + SWEEP_MS - 1), 'alive');
    state.sweep(20_000 + SWEEP_MS);
    const result = state.handle(
      { type: 'heartbeat', token },
      { address: '127.0.0.1', port: 40111 },
      20_000 + SWEEP_MS + 3000,
    );
    assert.deepEqual(result.events.map(formatEvent), ['back node 3 (heard again after 25 s)']);
    assert.equal(statusOf(state, 3, 20_000 + SWEEP_MS + 3000), 'alive');
  });

  test('a node silent for two sweeps is dropped at its next message, before any sweep runs', () => {
    const { state } = newState();
    const token = register(state, 3, 40111, 0);
    own(state, token, 40111, 0, { infohash: infohash(1), name: 'a.iso', size: 10 });
    const result = state.handle(
      { type: 'heartbeat', token },
      { address: '127.0.0.1', port: 40111 },
      2 * SWEEP_MS,
    );
    assert.ok(isReregister(result.reply));
    assert.deepEqual(result.events.map(formatEvent), [
      'dropped node 3 (silent for 44 s; 1 file lost an owner; a.iso has none left)',
      'rejected 127.0.0.1:40111 heartbeat: node was silent too long',
    ]);
    assert.equal(result.dirty, true);
    assert.deepEqual(state.toPersisted(), { nodes: [], files: [] });
  });

  test('the header counts alive and late nodes and files', () => {
    const { state } = newState();
    const t1 = register(state, 1, 5001, 0);
    register(state, 2, 5002, 10_000);
    own(state, t1, 5001, 0, { infohash: infohash(1), name: 'a', size: 1 });
    const header = state.snapshot(SWEEP_MS + 1).header;
    assert.equal(header.nodesAlive, 1);
    assert.equal(header.nodesLate, 1);
    assert.equal(header.files, 1);
  });
});

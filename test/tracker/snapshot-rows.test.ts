import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heartbeat, infohash, newState, own, register, SWEEP_MS } from './fixtures.ts';

const FILE = { infohash: infohash(1), name: 'a.iso', size: 10 };

test('file rows are the same object while nothing they show changed, however old', () => {
  const { state } = newState();
  const three = register(state, 3, 40111, 0);
  const four = register(state, 4, 40112, 0);
  own(state, three, 40111, 0, FILE);
  own(state, four, 40112, 0, FILE);
  const first = state.snapshot(1_000);
  // A view measures the rows again only when they are a new object (3,000 files: every 2 s).
  assert.equal(state.snapshot(5_000).files, first.files);
  heartbeat(state, three, 40111, 6_000);
  assert.equal(state.snapshot(7_000).files, first.files, 'a heartbeat changes no file row');
  assert.notEqual(state.snapshot(7_000).nodes, first.nodes, 'node rows show ages: rebuilt');
  assert.deepEqual(
    first.files[0]?.owners.map((owner) => owner.nodeId),
    [3, 4],
  );
});

test('file rows are built again when an owner turns late, or drops, without a new version', () => {
  const { state } = newState();
  const three = register(state, 3, 40111, 0);
  const four = register(state, 4, 40112, 0);
  own(state, three, 40111, 0, FILE);
  own(state, four, 40112, 0, FILE);
  const alive = state.snapshot(1_000).files;
  heartbeat(state, four, 40112, SWEEP_MS - 1);
  const late = state.snapshot(SWEEP_MS).files;
  assert.notEqual(late, alive);
  assert.deepEqual(
    late[0]?.owners.map((owner) => owner.nodeId),
    [4, 3],
    'a late owner ranks last',
  );
  heartbeat(state, four, 40112, 2 * SWEEP_MS - 1);
  assert.deepEqual(
    state.snapshot(2 * SWEEP_MS).files[0]?.owners.map((owner) => owner.nodeId),
    [4],
    'a node silent for two sweeps is no owner, before any sweep removes it',
  );
});

test('file rows are built again at a new version', () => {
  const { state } = newState();
  const three = register(state, 3, 40111, 0);
  own(state, three, 40111, 0, FILE);
  const before = state.snapshot(1_000).files;
  own(state, three, 40111, 2_000, { infohash: infohash(2), name: 'b.iso', size: 20 });
  assert.deepEqual(
    state.snapshot(3_000).files.map((file) => file.name),
    ['a.iso', 'b.iso'],
  );
  assert.equal(before.length, 1);
});

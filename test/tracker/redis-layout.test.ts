import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StateOp } from '../../source/tracker/store/ops.ts';
import {
  foldHeard,
  redisKeys,
  restoreWrites,
  writesFor,
} from '../../source/tracker/store/redis-layout.ts';

const via = '127.0.0.1:7000';
const heard = (nodeIds: number[], heardAtWallMs: number): StateOp => ({
  op: 'heard',
  nodeIds,
  heardAtWallMs,
  via,
});
const own: StateOp = {
  op: 'own',
  infohash: 'ab'.repeat(32),
  name: 'a.bin',
  size: 10,
  nodeId: 2,
  complete: true,
};

test("a batch's heartbeats fold into one op at its end: each node once, the newest time", () => {
  const folded = foldHeard([heard([1], 100), own, heard([2], 130), heard([1], 140)]);
  assert.deepEqual(folded, [own, heard([1, 2], 140)]);
  assert.deepEqual(foldHeard([own]), [own]);
});

test('heartbeats kept over seconds (Redis away) keep their second', () => {
  const folded = foldHeard([heard([1], 100), heard([2], 5_300), heard([3], 5_900)]);
  assert.deepEqual(folded, [heard([1], 100), heard([2, 3], 5_900)]);
});

test('a node deleted after it was heard is left out of the fold; heard again, it is back', () => {
  const deleted: StateOp = { op: 'node-delete', nodeId: 1, infohashes: [] };
  assert.deepEqual(foldHeard([heard([1, 3], 100), deleted]), [deleted, heard([3], 100)]);
  assert.deepEqual(foldHeard([heard([1], 100), deleted, heard([1], 120)]), [
    deleted,
    heard([1], 120),
  ]);
});

test('the folded heartbeats are one HSET of every node heard', () => {
  const keys = redisKeys('t:');
  const writes = writesFor({ trackerId: via, ops: [heard([4, 9], 250)] }, keys, 10);
  assert.deepEqual(writes, [['hset', 't:heard', 4, `250 ${via}`, 9, `250 ${via}`]]);
  assert.deepEqual(writesFor({ trackerId: via, ops: [heard([], 250)] }, keys, 10), []);
});

test('the swarm written back sets every credit outright, less what the pending batch adds', () => {
  const keys = redisKeys('t:');
  const record = (nodeId: number, uploadCredit: number) => ({
    nodeId,
    uploadCredit,
    downloaders: [],
    host: '10.0.0.1',
    port: 1,
    joinedAtWallMs: 5,
  });
  const node = (nodeId: number, uploadCredit: number): StateOp => ({
    op: 'node-set',
    node: record(nodeId, uploadCredit),
    session: { tokenHex: 'ab', heardAtWallMs: 7, via: '10.0.0.9:1' },
  });
  const partial: StateOp = { ...own, infohash: 'ff', nodeId: 1, complete: false };
  const state = [node(1, 900), node(2, 50), partial];
  const writes = restoreWrites(state, new Map([[1, 300]]), keys, 'x:1');
  // The swarm's hashes emptied first: an older copy of it may hold nodes and owners since gone.
  assert.deepEqual(writes[0], ['del', 't:nodes', 't:credits', 't:sessions', 't:heard', 't:owners']);
  // The records as any batch writes them (a new node's credit with HSETNX)...
  assert.deepEqual(writes.slice(1, 5), [
    ['hset', 't:nodes', 1, JSON.stringify(record(1, 900))],
    ['hset', 't:sessions', 1, 'ab'],
    ['hset', 't:heard', 1, '7 10.0.0.9:1'],
    ['hsetnx', 't:credits', 1, 900],
  ]);
  assert.deepEqual(writes.at(-3), [
    'hset',
    't:owners',
    'ff:1',
    JSON.stringify({ name: 'a.bin', size: 10, complete: false }),
  ]);
  // ...then every credit set outright: 900 less the 300 the pending batch adds with HINCRBY.
  assert.deepEqual(writes.slice(-2), [
    ['hset', 't:credits', 1, 600],
    ['hset', 't:credits', 2, 50],
  ]);
});

test('a swarm of 100,000 nodes and 300,000 ownerships can be written back', () => {
  // Its 700,001 writes were gathered with push(...): spread arguments throw past ~120,000, so
  // the write-back of any swarm past ~30,000 nodes failed at every try, and Redis stayed empty.
  const state: StateOp[] = [];
  for (let nodeId = 1; nodeId <= 100_000; nodeId++) {
    state.push({
      op: 'node-set',
      node: {
        nodeId,
        uploadCredit: 0,
        downloaders: [],
        host: '10.0.0.1',
        port: 1,
        joinedAtWallMs: 5,
      },
      session: { tokenHex: null, heardAtWallMs: 7 },
    });
    for (let file = 0; file < 3; file++)
      state.push({ ...own, infohash: `${nodeId}-${file}`, nodeId });
  }
  const writes = restoreWrites(state, new Map(), redisKeys('t:'), 'x:1');
  assert.equal(writes.length, 1 + 100_000 * 4 + 300_000 + 100_000);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StateOp } from '../../source/tracker/store/ops.ts';
import {
  FIELDS_PER_WRITE,
  foldHeard,
  ledgerWrites,
  redisKeys,
  restoreWrites,
  stagedHashes,
  writesFor,
} from '../../source/tracker/store/redis-layout.ts';
import { argsOf } from '../../source/tracker/store/redis-scripts.ts';

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

test("a big batch's heartbeats are HSETs of FIELDS_PER_WRITE nodes at most", () => {
  // A script hands each write to redis.call with unpack, which takes ~8,000 values at most.
  const nodeIds = Array.from({ length: 2 * FIELDS_PER_WRITE + 5 }, (_, index) => index + 1);
  const writes = writesFor({ trackerId: via, ops: [heard(nodeIds, 250)] }, redisKeys('t:'), 10);
  assert.deepEqual(
    writes.map((write) => (write.length - 2) / 2),
    [FIELDS_PER_WRITE, FIELDS_PER_WRITE, 5],
  );
  assert.deepEqual(writes[2], [
    'hset',
    't:heard',
    ...[2001, 2002, 2003, 2004, 2005].flatMap((id) => [id, `250 ${via}`]),
  ]);
});

test('writes passed to a script: each as its argument count, then itself', () => {
  const writes: [string, ...(string | number)[]][] = [
    ['del', 'k'],
    ['hset', 'k', 'f', 7],
  ];
  assert.deepEqual(argsOf(['batch', 3], writes), [
    'batch',
    3,
    2,
    'del',
    'k',
    4,
    'hset',
    'k',
    'f',
    7,
  ]);
});

test('the swarm written back is staged: every credit set outright, less what the pending batch adds', () => {
  const staged = stagedHashes(redisKeys('t:'), 'n1');
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
  const writes = [...restoreWrites(state, new Map([[1, 300]]), staged, 'x:1')];
  // One HSET per hash, in copies of the hashes the write-back renames into place at its end.
  assert.deepEqual(writes, [
    [
      'hset',
      't:restoring:n1:nodes',
      1,
      JSON.stringify(record(1, 900)),
      2,
      JSON.stringify(record(2, 50)),
    ],
    ['hset', 't:restoring:n1:sessions', 1, 'ab', 2, 'ab'],
    ['hset', 't:restoring:n1:heard', 1, '7 10.0.0.9:1', 2, '7 10.0.0.9:1'],
    // 900 less the 300 the pending batch adds with HINCRBY.
    ['hset', 't:restoring:n1:credits', 1, 600, 2, 50],
    [
      'hset',
      't:restoring:n1:owners',
      'ff:1',
      JSON.stringify({ name: 'a.bin', size: 10, complete: false }),
    ],
  ]);
});

test('a swarm of 100,000 nodes and 300,000 ownerships is written back in 700 writes', () => {
  // Its 700,001 writes were gathered with push(...): spread arguments throw past ~120,000, so
  // the write-back of any swarm past ~30,000 nodes failed at every try, and Redis stayed empty.
  // Then, one write a field, building them stopped the tracker for seconds.
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
  let writes = 0;
  let fields = 0;
  for (const write of restoreWrites(state, new Map(), stagedHashes(redisKeys('t:'), 'n'), 'x')) {
    writes++;
    fields += (write.length - 2) / 2;
  }
  assert.equal(fields, 100_000 * 4 + 300_000);
  assert.equal(writes, 700);
});

test('a staged ledger is written in RPUSHes of FIELDS_PER_WRITE entries, in order', () => {
  const entries = Array.from({ length: 2 * FIELDS_PER_WRITE + 1 }, (_, i) => `e${i}`);
  const writes = [...ledgerWrites('staged', entries)];
  assert.deepEqual(
    writes.map((write) => write.length - 2),
    [FIELDS_PER_WRITE, FIELDS_PER_WRITE, 1],
  );
  assert.ok(writes.every(([command, key]) => command === 'rpush' && key === 'staged'));
  assert.deepEqual(
    writes.flatMap((write) => write.slice(2)),
    entries,
  );
  assert.deepEqual([...ledgerWrites('staged', [])], []);
});

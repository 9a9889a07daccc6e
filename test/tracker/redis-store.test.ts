/**
 * The shared store against a real redis-server: what one tracker writes, another loads (tokens
 * included, so any tracker answers any node); changes reach the other tracker while both run;
 * credits given on two trackers add up, and an UPDATE retransmitted to the other tracker
 * credits nothing. A change is reported written only once Redis has it (the tracker
 * acknowledges it then).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ManualClock, systemClock } from '../../source/clock.ts';
import { Logger } from '../../source/log/logger.ts';
import { startTracker } from '../../source/tracker/server.ts';
import type { OpBatch, StateOp } from '../../source/tracker/store/ops.ts';
import { RECENT_BATCHES } from '../../source/tracker/store/redis-layout.ts';
import { inOurWords, RedisStore } from '../../source/tracker/store/redis-store.ts';
import type { TrackerState } from '../../source/tracker/tracker-state.ts';
import { type RedisServer, startRedisServer } from '../peer/harness/redis-server.ts';
import { waitFor } from '../peer/harness/wait.ts';
import {
  at,
  creditOf,
  heartbeat,
  infohash,
  isReregister,
  newState,
  own,
  register,
  update,
} from './fixtures.ts';

const FILE = { infohash: infohash(0x1d), name: 'big.iso', size: 1000 };
let redis: RedisServer;
const stores: RedisStore[] = [];

before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  await Promise.allSettled(stores.map((store) => store.close()));
  // Undefined when it did not start: its own error says why, not a second one here.
  await redis?.stop();
});

/** A tracker's state and store, loaded from Redis; other trackers' batches applied live. */
async function tracker(
  trackerId: string,
  lines: string[] = [],
  url = redis.url,
  recentBatches?: number,
): Promise<{ state: TrackerState; store: RedisStore }> {
  const clock = new ManualClock(0, 1_767_225_600_000);
  const onProblem = (text: string) => lines.push(text);
  const store = new RedisStore({
    url,
    clock,
    trackerId,
    onProblem,
    ...(recentBatches === undefined ? {} : { recentBatches }),
  });
  stores.push(store);
  const loaded = await store.load(clock.wallNow());
  // Tokens of a seed of its own, as real trackers' are random: two trackers handing out the same
  // token would take one node's requests for another's.
  const seed = Number(trackerId.split(':')[1]);
  const { state } = newState({ sharedAs: trackerId, trackerSecret: loaded.trackerSecret }, seed);
  state.applyRemote(loaded.ops, 0);
  store.onRemote({
    batch: (batch: OpBatch) => state.applyRemote(batch.ops, 0),
    wholeSwarm: (whole, unwritten) => state.resyncRemote(whole, unwritten, 0),
  });
  return { state, store };
}

/**
 * A tracker's store on a Redis of its own, loaded, then that Redis stopped: the store has said
 * it lost the connection, and node `nodeId` registered since (pending, not in Redis).
 */
async function storeWhoseRedisIsGone(trackerId: string, nodeId: number) {
  const own = await startRedisServer();
  const lines: string[] = [];
  const clock = new ManualClock(0, 1_767_225_600_000);
  const onProblem = (text: string) => lines.push(text);
  const store = new RedisStore({ url: own.url, clock, trackerId, onProblem });
  const loaded = await store.load(clock.wallNow());
  const { state } = newState({ sharedAs: trackerId, trackerSecret: loaded.trackerSecret });
  await own.stop();
  await waitFor(() => lines.some((line) => line.startsWith('lost the connection')), 'lost');
  register(state, nodeId, 5000 + nodeId, 0);
  store.record({ trackerId, ops: state.takeOps() }, state);
  return { own, lines, store };
}

/** What `promise` settles to, or `still waiting` if it has not by the event loop's next turn. */
function beforeNextTurn<T>(promise: Promise<T>): Promise<T | 'still waiting'> {
  const nextTurn = new Promise<'still waiting'>((resolve) =>
    setImmediate(() => resolve('still waiting')),
  );
  return Promise.race([promise, nextTurn]);
}

async function publish(state: TrackerState, store: RedisStore, trackerId: string): Promise<void> {
  store.record({ trackerId, ops: state.takeOps() }, state);
  assert.equal(await store.flush(), true);
}

test("ioredis's give-up on a write is said as what it means here; other errors pass as they are", () => {
  // As ioredis (5) makes it: its class is not exported, its name is what it is known by.
  const gaveUp = Object.assign(
    new Error(
      'Reached the max retries per request limit (which is 2). Refer to "maxRetriesPerRequest" option for details.',
    ),
    { name: 'MaxRetriesPerRequestError' },
  );
  assert.equal(
    (inOurWords(gaveUp) as Error).message,
    'the connection is down and the write gave up waiting for it; changes are kept and written once it is back',
  );
  const other = new Error('MISCONF');
  assert.equal(inOurWords(other), other);
});

describe('the Redis store', () => {
  test('a Redis that is not there is one sentence, not a hang', async () => {
    const store = new RedisStore({
      url: 'redis://127.0.0.1:1',
      clock: new ManualClock(),
      trackerId: '127.0.0.1:9',
    });
    await assert.rejects(
      store.load(0),
      /^Error: connect ECONNREFUSED 127\.0\.0\.1:1 \(is redis-server running there\?\)$/,
    );
    await store.close();
  });

  test('every tracker of the swarm gets the same secret (its registration challenges verify on all)', async () => {
    const secrets = [];
    for (const trackerId of ['127.0.0.1:7', '127.0.0.1:8']) {
      const store = new RedisStore({ url: redis.url, clock: new ManualClock(), trackerId });
      stores.push(store);
      secrets.push((await store.load(0)).trackerSecret);
    }
    assert.equal(secrets[0]?.length, 32);
    assert.deepEqual(secrets[1], secrets[0]);
  });

  test('a second tracker loads the swarm the first wrote, and accepts its tokens', async () => {
    const a = await tracker('127.0.0.1:1');
    const t1 = register(a.state, 1, 5001, 0);
    const t2 = register(a.state, 2, 5002, 0);
    const t3 = register(a.state, 3, 5003, 0);
    own(a.state, t1, 5001, 0, FILE);
    own(a.state, t2, 5002, 0, FILE);
    own(a.state, t3, 5003, 0, FILE, 'partial');
    update(a.state, t3, 5003, 0, FILE.infohash, 1, [{ nodeId: 1, bytes: 700 }]);
    await publish(a.state, a.store, '127.0.0.1:1');

    const b = await tracker('127.0.0.1:2');
    assert.deepEqual(b.state.toPersisted(), a.state.toPersisted());
    assert.equal(creditOf(b.state, 1, 0), 700);
    assert.deepEqual(heartbeat(b.state, t2, 5002, 0), { type: 'ack' }, 'a token of tracker A');
    assert.ok(isReregister(heartbeat(b.state, t2, 6002, 0)), 'still bound to its address');
    const [row] = b.state.snapshot(0).files;
    assert.deepEqual([row?.completeOwners, row?.partialOwners], [2, 1]);
  });

  test('changes reach the other tracker live; credits on both add up; a retransmission credits nothing', async () => {
    const a = await tracker('127.0.0.1:3');
    const b = await tracker('127.0.0.1:4');
    assert.equal(creditOf(b.state, 1, 0), 700, 'what the first test left');
    const t4 = register(b.state, 4, 5004, 0);
    await publish(b.state, b.store, '127.0.0.1:4');
    await waitFor(() => creditOf(a.state, 4, 0) === 0, 'node 4 (registered on B) on A', 5_000);

    // Node 3 credits 1 through A while node 4 credits 1 through B.
    const t3 = register(a.state, 3, 5003, 0);
    update(a.state, t3, 5003, 0, FILE.infohash, 2, [{ nodeId: 1, bytes: 300 }]);
    update(b.state, t4, 5004, 0, FILE.infohash, 3, [{ nodeId: 1, bytes: 200 }]);
    await Promise.all([
      publish(a.state, a.store, '127.0.0.1:3'),
      publish(b.state, b.store, '127.0.0.1:4'),
    ]);
    await waitFor(
      () => creditOf(a.state, 1, 0) === 1200 && creditOf(b.state, 1, 0) === 1200,
      'both trackers to count 700 + 300 + 200',
      5_000,
    );

    // Node 3's UPDATE again (same download id), now to tracker B: already applied.
    update(b.state, t3, 5003, 0, FILE.infohash, 2, [{ nodeId: 1, bytes: 300 }]);
    assert.equal(creditOf(b.state, 1, 0), 1200);
    const c = await tracker('127.0.0.1:5');
    assert.equal(creditOf(c.state, 1, 0), 1200, 'a tracker started now reads the same sum');
  });

  // Redis flushed: what the trackers hold is written back, the credit ledger with it.
  test('a Redis that lost its data gets the swarm back from a tracker, and batches flow again', async () => {
    const [aLines, bLines] = [[], []] as [string[], string[]];
    const a = await tracker('127.0.0.1:8', aLines);
    const b = await tracker('127.0.0.1:9', bLines);
    const t10 = register(a.state, 10, 5010, 0);
    own(a.state, t10, 5010, 0, { infohash: infohash(0x2a), name: 'kept.iso', size: 4096 });
    await publish(a.state, a.store, '127.0.0.1:8');
    await waitFor(() => creditOf(b.state, 10, 0) === 0, 'node 10 on B', 5_000);
    const t11 = register(b.state, 11, 5011, 0);
    update(b.state, t11, 5011, 0, infohash(0x2a), 9, [{ nodeId: 10, bytes: 4000 }]);
    await publish(b.state, b.store, '127.0.0.1:9');
    await waitFor(() => creditOf(a.state, 10, 0) === 4000, 'the credit on A', 5_000);

    const admin = new Redis(redis.url);
    try {
      const ledger = await admin.lrange('bt-tui:ledger', 0, -1);
      const c = await lostAndWrittenBack(admin, a, b, aLines, bLines);
      // Node 11's UPDATE again, to a tracker started after the write-back: already credited.
      // Before, the ledger was not written back: C credited node 10 a second 4000.
      assert.deepEqual(await admin.lrange('bt-tui:ledger', 0, -1), ledger);
      update(c.state, t11, 5011, 0, infohash(0x2a), 9, [{ nodeId: 10, bytes: 4000 }]);
      assert.equal(creditOf(c.state, 10, 0), 4000);
    } finally {
      admin.disconnect();
    }
  });

  test('batches published while a tracker was not listening are taken again once it is back', async () => {
    const [aLines, bLines] = [[], []] as [string[], string[]];
    const a = await tracker('127.0.0.1:31', aLines);
    const b = await tracker('127.0.0.1:32', bLines);
    const admin = new Redis(redis.url);
    try {
      register(a.state, 40, 5040, 0);
      await publish(a.state, a.store, '127.0.0.1:31');
      await waitFor(() => creditOf(b.state, 40, 0) === 0, 'node 40 on B', 5_000);
      // Every subscription cut: ioredis reconnects after 50 ms or more; A publishes at once.
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      register(a.state, 41, 5041, 0);
      await publish(a.state, a.store, '127.0.0.1:31');
      register(a.state, 42, 5042, 0);
      await publish(a.state, a.store, '127.0.0.1:31');
      const context = () => `\nA:\n${aLines.join('\n')}\nB:\n${bLines.join('\n')}`;
      await waitFor(
        () => creditOf(b.state, 41, 0) === 0 && creditOf(b.state, 42, 0) === 0,
        `nodes 41 and 42 on B${context()}`,
        5_000,
      );
      assert.ok(
        bLines.some((line) => /^took 2 batches of other trackers again from redis:/.test(line)),
        context(),
      );
      assert.ok(!bLines.some((line) => line.startsWith('missed')), context());
      // Live again: the next batch comes over the channel, once.
      register(a.state, 43, 5043, 0);
      await publish(a.state, a.store, '127.0.0.1:31');
      await waitFor(() => creditOf(b.state, 43, 0) === 0, `node 43 on B${context()}`, 5_000);
    } finally {
      admin.disconnect();
    }
  });

  test('a tracker that missed more batches than Redis keeps reads the whole swarm again', async () => {
    // A Redis of its own: the trackers here keep 2 batches, for everyone on that Redis.
    const server = await startRedisServer();
    const [aLines, bLines] = [[], []] as [string[], string[]];
    const a = await tracker('127.0.0.1:51', aLines, server.url, 2);
    const b = await tracker('127.0.0.1:52', bLines, server.url, 2);
    const admin = new Redis(server.url);
    const file = { infohash: infohash(0x51), name: 'gap.iso', size: 5000 };
    const context = () => `\nA:\n${aLines.join('\n')}\nB:\n${bLines.join('\n')}`;
    try {
      const t60 = register(a.state, 60, 5060, 0);
      const t61 = register(a.state, 61, 5061, 0);
      own(a.state, t60, 5060, 0, file);
      await publish(a.state, a.store, '127.0.0.1:51');
      await waitFor(() => creditOf(b.state, 61, 0) === 0, 'node 61 on B', 5_000);
      // B's subscription cut (ioredis is back after 50 ms or more); A publishes four batches.
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      assert.deepEqual(a.state.handle({ type: 'exit', token: t61 }, at(5061), 0).reply, {
        type: 'ack',
      });
      await publish(a.state, a.store, '127.0.0.1:51');
      const t62 = register(a.state, 62, 5062, 0);
      await publish(a.state, a.store, '127.0.0.1:51');
      own(a.state, t62, 5062, 0, file, 'partial');
      update(a.state, t62, 5062, 0, file.infohash, 5, [{ nodeId: 60, bytes: 4000 }]);
      await publish(a.state, a.store, '127.0.0.1:51');
      register(a.state, 63, 5063, 0);
      await publish(a.state, a.store, '127.0.0.1:51');
      await waitFor(
        () => bLines.some((line) => line.startsWith('missed more batches')),
        `B reading the whole swarm${context()}`,
        5_000,
      );
      assert.ok(
        bLines.some((line) =>
          /^missed more batches of other trackers than redis:\S+ keeps \(2\): read the whole swarm again, 3 nodes at batch \d+$/.test(
            line,
          ),
        ),
        context(),
      );
      // Before, B reported the batches missed, and kept node 61 and lacked 62 and 63 for good.
      assert.deepEqual(b.state.toPersisted(), a.state.toPersisted(), context());
      assert.deepEqual(b.state.snapshot(0).files, a.state.snapshot(0).files, context());
      assert.equal(creditOf(b.state, 60, 0), 4000);
      // The UPDATE again, to B: its ledger learnt it with the swarm.
      update(b.state, t62, 5062, 0, file.infohash, 5, [{ nodeId: 60, bytes: 4000 }]);
      assert.equal(creditOf(b.state, 60, 0), 4000);
      // Live again.
      register(a.state, 64, 5064, 0);
      await publish(a.state, a.store, '127.0.0.1:51');
      await waitFor(() => creditOf(b.state, 64, 0) === 0, `node 64 on B${context()}`, 5_000);
    } finally {
      admin.disconnect();
      await Promise.allSettled([a.store.close(), b.store.close()]);
      await server.stop();
    }
  });

  test('a tracker process starts while another tracker of the swarm keeps publishing', async () => {
    const a = await tracker('127.0.0.1:81');
    // A swarm whose start-up read takes a while to arrive: batches come on the other connection.
    const ops: StateOp[] = [];
    for (let nodeId = 1_000; nodeId < 6_000; nodeId++) {
      const node = { nodeId, uploadCredit: 0, host: '127.0.0.2', port: nodeId, joinedAtWallMs: 0 };
      ops.push({ op: 'node-set', node, session: { tokenHex: null, heardAtWallMs: 0 } });
    }
    a.store.record({ trackerId: '127.0.0.1:81', ops }, a.state);
    assert.equal(await a.store.flush(), true);
    let publishing = true;
    let nextId = 80;
    const publishing$ = (async () => {
      while (publishing) {
        register(a.state, nextId++, 5000 + nextId, 0);
        await publish(a.state, a.store, '127.0.0.1:81');
      }
    })();
    try {
      // Each start reads the swarm while batches keep coming, some between its read and its
      // first listener: before, the server took the first of those before it could note it.
      for (let start = 0; start < 3; start++) {
        const started = await startTracker({
          host: '127.0.0.1',
          port: 0,
          dbDir: '',
          storeUrl: redis.url,
          logger: new Logger({ filePath: null, clock: systemClock }),
          sweepIntervalMs: 22_000,
        });
        assert.ok(started.ok, started.ok ? '' : started.error.message);
        await started.tracker.stop();
      }
    } finally {
      publishing = false;
      await publishing$;
    }
  });

  test('a tracker started later takes again none of the batches its start-up read covered', async () => {
    const a = await tracker('127.0.0.1:41');
    const t70 = register(a.state, 70, 5070, 0);
    own(a.state, t70, 5070, 0, { infohash: infohash(0x70), name: 'c.iso', size: 7000 });
    await publish(a.state, a.store, '127.0.0.1:41');
    const t71 = register(a.state, 71, 5071, 0);
    update(a.state, t71, 5071, 0, infohash(0x70), 7, [{ nodeId: 70, bytes: 7000 }]);
    await publish(a.state, a.store, '127.0.0.1:41');
    const cLines: string[] = [];
    const c = await tracker('127.0.0.1:43', cLines);
    assert.equal(creditOf(c.state, 70, 0), 7000);
    const admin = new Redis(redis.url);
    try {
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      await sleep(500);
      register(a.state, 72, 5072, 0);
      await publish(a.state, a.store, '127.0.0.1:41');
      await waitFor(() => creditOf(c.state, 72, 0) === 0, `node 72 on C\n${cLines.join('\n')}`);
      // Before, node 70's record from the first batch came again, credit 0, and stayed so: the
      // UPDATE that had credited it was known to C's ledger and credited nothing the second time.
      assert.equal(creditOf(c.state, 70, 0), 7000, cLines.join('\n'));
      assert.ok(!cLines.some((line) => /^took [2-9]/.test(line)), cLines.join('\n'));
    } finally {
      admin.disconnect();
    }
  });

  test('two trackers find the swarm lost at once: one writes it back, the other waits, nothing counts twice', async () => {
    const server = await startRedisServer();
    const admin = new Redis(server.url);
    const [aLines, bLines] = [[], []] as [string[], string[]];
    try {
      const a = await tracker('127.0.0.1:51', aLines, server.url);
      const b = await tracker('127.0.0.1:52', bLines, server.url);
      const file = { infohash: infohash(0x50), name: 'both.iso', size: 5000 };
      const t50 = register(a.state, 50, 5050, 0);
      own(a.state, t50, 5050, 0, file);
      await publish(a.state, a.store, '127.0.0.1:51');
      const t51 = register(b.state, 51, 5051, 0);
      await publish(b.state, b.store, '127.0.0.1:52');
      await waitFor(() => creditOf(a.state, 51, 0) === 0, 'node 51 on A', 5_000);

      await admin.flushall();
      // Each has a change the empty Redis must not take: a node, and on B a credit.
      register(a.state, 53, 5053, 0);
      a.store.record({ trackerId: '127.0.0.1:51', ops: a.state.takeOps() }, a.state);
      register(b.state, 54, 5054, 0);
      update(b.state, t51, 5051, 0, file.infohash, 5, [{ nodeId: 50, bytes: 600 }]);
      b.store.record({ trackerId: '127.0.0.1:52', ops: b.state.takeOps() }, b.state);
      await Promise.all([
        waitFor(() => a.store.flush(), 'A written', 10_000),
        waitFor(() => b.store.flush(), 'B written', 10_000),
      ]);
      const context = `\nA:\n${aLines.join('\n')}\nB:\n${bLines.join('\n')}`;
      const writeBacks = [...aLines, ...bLines].filter((line) =>
        line.startsWith('wrote the swarm this tracker holds back'),
      );
      assert.equal(writeBacks.length, 1, context);
      // Both trackers and Redis hold both changes, the credit once.
      for (const side of [a, b]) {
        await waitFor(
          () => creditOf(side.state, 53, 0) === 0 && creditOf(side.state, 54, 0) === 0,
          `nodes 53 and 54 on both${context}`,
          5_000,
        );
        assert.equal(creditOf(side.state, 50, 0), 600, context);
      }
      const c = await tracker('127.0.0.1:53', [], server.url);
      assert.deepEqual(
        c.state.snapshot(0).nodes.map((node) => node.nodeId),
        [50, 51, 53, 54],
      );
      assert.equal(creditOf(c.state, 50, 0), 600, context);
      assert.deepEqual(
        c.state.snapshot(0).files.map((f) => [f.name, f.owners.map((o) => o.nodeId)]),
        [['both.iso', [50]]],
      );
      // B's credit, written with the write-back, is in the ledger once: sent again to C, it
      // credits nothing.
      assert.equal((await admin.lrange('bt-tui:ledger', 0, -1)).length, 1, context);
      update(c.state, t51, 5051, 0, file.infohash, 5, [{ nodeId: 50, bytes: 600 }]);
      assert.equal(creditOf(c.state, 50, 0), 600, context);
      // The staged copies were renamed into place and keep no expiry.
      assert.deepEqual(await admin.keys('bt-tui:restoring*'), []);
      assert.equal(await admin.pttl('bt-tui:nodes'), -1);
    } finally {
      admin.disconnect();
      await Promise.allSettled(stores.map((store) => store.close()));
      await server.stop();
    }
  });

  test('a tracker that died writing the swarm back holds the others only until its lock runs out', async () => {
    const server = await startRedisServer();
    const admin = new Redis(server.url);
    const lines: string[] = [];
    try {
      const a = await tracker('127.0.0.1:61', lines, server.url);
      register(a.state, 60, 5060, 0);
      await publish(a.state, a.store, '127.0.0.1:61');
      await admin.flushall();
      // Another tracker took the lock and died (what it staged expires too).
      await admin.set('bt-tui:restoring', '127.0.0.1:69 0badc0de', 'PX', 1_500);
      register(a.state, 61, 5061, 0);
      a.store.record({ trackerId: '127.0.0.1:61', ops: a.state.takeOps() }, a.state);
      assert.equal(await a.store.flush(), false);
      assert.equal(await a.store.flush(), false);
      // Nothing written into the emptied swarm meanwhile.
      assert.equal(await admin.hlen('bt-tui:nodes'), 0);
      assert.ok(
        lines.includes(
          `127.0.0.1:69 is writing the swarm back to ${server.url}: this tracker's changes wait for it`,
        ),
        lines.join('\n'),
      );
      await waitFor(() => a.store.flush(), 'written back once the lock ran out', 10_000);
      assert.ok(
        lines.some((line) => /^wrote the swarm this tracker holds back to .*: 2 nodes/.test(line)),
        lines.join('\n'),
      );
      assert.deepEqual((await admin.hkeys('bt-tui:nodes')).sort(), ['60', '61']);
    } finally {
      admin.disconnect();
      await Promise.allSettled(stores.map((store) => store.close()));
      await server.stop();
    }
  });

  test('a Redis back with an older copy of the swarm gets the current one from a tracker, once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bt-redis-snapshot-'));
    const first = await startRedisServer(undefined, dir);
    const [aLines, bLines] = [[], []] as [string[], string[]];
    const a = await tracker('127.0.0.1:21', aLines, first.url);
    const b = await tracker('127.0.0.1:22', bLines, first.url);
    let again: RedisServer | null = null;
    try {
      const t30 = register(a.state, 30, 5030, 0);
      own(a.state, t30, 5030, 0, { infohash: infohash(0x30), name: 'old.iso', size: 30 });
      await publish(a.state, a.store, '127.0.0.1:21');
      await waitFor(() => creditOf(b.state, 30, 0) === 0, 'node 30 on B', 5_000);
      const admin = new Redis(first.url);
      await admin.save();
      admin.disconnect();
      // After the snapshot: node 31 joins through B with new.iso, node 30 leaves through A.
      const t31 = register(b.state, 31, 5031, 0);
      own(b.state, t31, 5031, 0, { infohash: infohash(0x31), name: 'new.iso', size: 31 });
      await publish(b.state, b.store, '127.0.0.1:22');
      await waitFor(() => creditOf(a.state, 31, 0) === 0, 'node 31 on A', 5_000);
      assert.deepEqual(a.state.handle({ type: 'exit', token: t30 }, at(5030), 0).reply, {
        type: 'ack',
      });
      await publish(a.state, a.store, '127.0.0.1:21');
      await waitFor(() => creditOf(b.state, 30, 0) === undefined, 'node 30 gone on B', 5_000);

      again = await restartOnSnapshot(first, dir, aLines, bLines);
      // A's next change finds the copy older, and A writes back what it holds with it.
      register(a.state, 32, 5032, 0);
      a.store.record({ trackerId: '127.0.0.1:21', ops: a.state.takeOps() }, a.state);
      await waitFor(async () => await a.store.flush(), 'the swarm written back', 5_000);
      const context = `\nA:\n${aLines.join('\n')}\nB:\n${bLines.join('\n')}`;
      assert.ok(
        aLines.some((line) => line.includes('went back to an older copy of the swarm')),
        context,
      );
      assert.ok(
        aLines.some((line) => /wrote the swarm this tracker holds back to .*: 2 nodes/.test(line)),
        context,
      );
      // B takes A's batches as before, and writes nothing back itself, then or at its next change.
      await waitFor(
        () => creditOf(b.state, 32, 0) === 0,
        `node 32 (registered on A) on B${context}`,
        5_000,
      );
      register(b.state, 33, 5033, 0);
      await publish(b.state, b.store, '127.0.0.1:22');
      await waitFor(() => creditOf(a.state, 33, 0) === 0, 'node 33 (registered on B) on A', 5_000);
      assert.ok(!bLines.some((line) => line.startsWith('wrote the swarm')), context);
      assert.ok(!bLines.some((line) => line.startsWith('missed')), context);

      // Redis now holds the swarm as the trackers do: node 30 and old.iso gone, 31 to 33 there.
      const c = await tracker('127.0.0.1:23', [], again.url);
      const nodes = c.state.snapshot(0).nodes.map((node) => node.nodeId);
      assert.deepEqual(nodes, [31, 32, 33], context);
      assert.deepEqual(
        c.state.snapshot(0).files.map((file) => [file.name, file.owners.map((o) => o.nodeId)]),
        [['new.iso', [31]]],
      );
    } finally {
      await Promise.allSettled([a.store.close(), b.store.close()]);
      await again?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("an older copy's recent batches, unknown to a tracker, are not applied again", async () => {
    // Redis restarts from a snapshot whose list of recent batches is older than anything a
    // tracker remembers: catching up from it applied them again (a node that had left came back).
    const dir = await mkdtemp(join(tmpdir(), 'bt-redis-stale-'));
    const first = await startRedisServer(undefined, dir);
    const [aLines, bLines] = [[], []] as [string[], string[]];
    const a = await tracker('127.0.0.1:71', aLines, first.url, 2);
    const b = await tracker('127.0.0.1:72', bLines, first.url, 2);
    let again: RedisServer | null = null;
    try {
      const t70 = register(a.state, 70, 5070, 0);
      await publish(a.state, a.store, '127.0.0.1:71');
      await waitFor(() => creditOf(b.state, 70, 0) === 0, 'node 70 on B', 5_000);
      const admin = new Redis(first.url);
      await admin.save();
      admin.disconnect();
      // After the snapshot node 70 leaves, and nodes 73-75 join.
      a.state.handle({ type: 'exit', token: t70 }, at(5070), 0);
      await publish(a.state, a.store, '127.0.0.1:71');
      for (const id of [73, 74]) {
        register(a.state, id, 5000 + id, 0);
        await publish(a.state, a.store, '127.0.0.1:71');
      }
      const t75 = register(a.state, 75, 5075, 0);
      await publish(a.state, a.store, '127.0.0.1:71');
      // More batches than a tracker remembered ids of (RECENT_BATCHES): heartbeats of node 75.
      // (100 ms apart: a host's request budget would refuse a burst of them.)
      for (let beat = 1; beat <= RECENT_BATCHES + 1; beat++) {
        heartbeat(a.state, t75, 5075, beat * 100);
        await publish(a.state, a.store, '127.0.0.1:71');
      }
      await waitFor(() => creditOf(b.state, 75, 0) === 0, 'node 75 on B', 5_000);
      assert.equal(creditOf(b.state, 70, 0), undefined, 'node 70 gone on B');
      again = await restartOnSnapshot(first, dir, aLines, bLines);
      // B's next change finds the copy older, and the swarm is written back.
      register(b.state, 76, 5076, 0);
      b.store.record({ trackerId: '127.0.0.1:72', ops: b.state.takeOps() }, b.state);
      await waitFor(
        async () => (await a.store.flush()) && (await b.store.flush()),
        'both written',
        10_000,
      );
      const context = `\nA:\n${aLines.join('\n')}\nB:\n${bLines.join('\n')}`;
      // Node 76 reaches A with B's write-back.
      await waitFor(() => creditOf(a.state, 76, 0) === 0, `node 76 on A${context}`, 5_000);
      for (const [name, side] of [
        ['A', a],
        ['B', b],
      ] as const) {
        assert.deepEqual(
          side.state.toPersisted().nodes.map((node) => node.nodeId),
          [73, 74, 75, 76],
          `nodes on ${name}${context}`,
        );
      }
      // And Redis holds what they hold.
      const c = await tracker('127.0.0.1:73', [], again.url);
      assert.deepEqual(
        c.state.toPersisted().nodes.map((node) => node.nodeId),
        [73, 74, 75, 76],
        context,
      );
    } finally {
      await Promise.allSettled([a.store.close(), b.store.close()]);
      await again?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('while Redis is gone, changes are acknowledged at once and written once it is back', async () => {
    const { own, lines, store } = await storeWhoseRedisIsGone('127.0.0.1:11', 21);
    try {
      await store.afterPendingWritten();
      // Acknowledged before any write was tried and failed (that took seconds, as ioredis backs
      // off its reconnects, while each change a node asked for waited).
      assert.deepEqual(
        lines.filter((line) => line.startsWith('cannot write')),
        [],
        lines.join('\n'),
      );
      // Back, empty (no persistence): the tracker writes back what it holds, node 21 with it.
      const again = await startRedisServer(Number(new URL(own.url).port));
      try {
        await waitFor(() => lines.some((line) => line.endsWith(' is back')), 'back', 15_000);
        await waitFor(() => store.flush(), 'written', 15_000);
        const reader = await tracker('127.0.0.1:12', [], again.url);
        assert.equal(creditOf(reader.state, 21, 0), 0, lines.join('\n'));
        await reader.store.close();
      } finally {
        await store.close().catch(() => {});
        await again.stop();
      }
    } finally {
      await store.close().catch(() => {});
    }
  });

  test('with Redis gone, flush and close answer at once: not up to date, and stopped', async () => {
    const { store } = await storeWhoseRedisIsGone('127.0.0.1:13', 22);
    try {
      // Until 2026-12-07 each waited out ioredis's reconnection retries, whose back-off grows
      // while Redis stays away: a tracker stopped by hand with its Redis gone took 24 s.
      // Neither asks Redis anything: each is settled before the event loop's next turn.
      assert.equal(await beforeNextTurn(store.flush()), false, 'node 22 is not in Redis');
      assert.equal(await beforeNextTurn(store.close()), undefined);
    } finally {
      void store.close().catch(() => {});
    }
  });

  test('afterPendingWritten resolves only once Redis has the change', async () => {
    const clock = new ManualClock(0, 1_767_225_600_000);
    const store = new RedisStore({ url: redis.url, clock, trackerId: '127.0.0.1:6' });
    stores.push(store);
    const loaded = await store.load(clock.wallNow());
    const { state } = newState({ sharedAs: '127.0.0.1:6', trackerSecret: loaded.trackerSecret });
    state.applyRemote(loaded.ops, 0);
    await store.afterPendingWritten(); // nothing pending: at once

    register(state, 6, 5006, 0);
    store.record({ trackerId: '127.0.0.1:6', ops: state.takeOps() }, state);
    const admin = new Redis(redis.url);
    try {
      await admin.call('CLIENT', 'PAUSE', '400', 'WRITE');
      let written = false;
      const waiting = store.afterPendingWritten().then(() => {
        written = true;
      });
      // The write starts at once (someone waits), and Redis holds it.
      await sleep(200);
      assert.equal(written, false, 'reported written while Redis was paused');
      await waiting;
      const reader = await tracker('127.0.0.1:7');
      assert.equal(creditOf(reader.state, 6, 0), 0, 'node 6 is in Redis once reported');
    } finally {
      admin.disconnect();
    }
  });
});

/**
 * Stops `server` (nothing saved on the way out), starts it again on the RDB file in `dir` and
 * waits until both trackers (their problem lines) are back on it.
 */
async function restartOnSnapshot(
  server: RedisServer,
  dir: string,
  aLines: string[],
  bLines: string[],
): Promise<RedisServer> {
  await server.stop();
  const again = await startRedisServer(Number(new URL(server.url).port), dir);
  const back = (lines: string[]) => lines.some((line) => /^redis:.* is back$/.test(line));
  try {
    await waitFor(() => back(aLines) && back(bLines), 'both trackers reconnected', 15_000);
  } catch (error) {
    await again.stop();
    throw error;
  }
  return again;
}

/** Redis loses everything (as a restart without persistence does; the connections stay). */
async function lostAndWrittenBack(
  admin: Redis,
  a: { state: TrackerState; store: RedisStore },
  b: { state: TrackerState; store: RedisStore },
  aLines: string[],
  bLines: string[],
): Promise<{ state: TrackerState; store: RedisStore }> {
  const secret = () => admin.hget('bt-tui:meta', 'secret');
  const secretBefore = await secret();
  await admin.flushall();
  // B's next change finds the swarm gone, and B writes back what it holds with it.
  register(b.state, 12, 5012, 0);
  b.store.record({ trackerId: '127.0.0.1:9', ops: b.state.takeOps() }, b.state);
  await b.store.flush();
  await waitFor(async () => await b.store.flush(), 'the swarm written back', 5_000);
  assert.ok(
    bLines.some((line) => line.includes('no longer holds the swarm')),
    bLines.join('\n'),
  );
  assert.ok(
    bLines.some((line) => /wrote the swarm this tracker holds back to .*: \d+ nodes/.test(line)),
    bLines.join('\n'),
  );
  // Node 12 reaches A with B's write-back (its batch was not written into the empty Redis).
  await waitFor(() => creditOf(a.state, 12, 0) === 0, 'node 12 (registered on B) on A', 5_000);
  assert.ok(
    aLines.some((line) => /^127\.0\.0\.1:9 wrote the swarm back to redis:\S+$/.test(line)),
    aLines.join('\n'),
  );
  // A tracker started now reads the whole swarm: nodes, owners, credits.
  const c = await tracker('127.0.0.1:10');
  assert.equal(creditOf(c.state, 10, 0), 4000);
  assert.equal(creditOf(c.state, 11, 0), 0);
  assert.equal(creditOf(c.state, 12, 0), 0);
  const kept = c.state.snapshot(0).files.find((file) => file.name === 'kept.iso');
  assert.deepEqual(
    kept?.owners.map((owner) => owner.nodeId),
    [10],
  );
  // The swarm's secret is back too: registrations proved to one tracker verify on all.
  assert.equal(await secret(), secretBefore);
  return c;
}

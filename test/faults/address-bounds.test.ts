/**
 * One host against a running tracker over real UDP (limits lowered so the test is quick: the
 * registry holds 40 nodes and 200 files). The attacking host (127.0.0.66) registers as many
 * node ids as it can, announces as many files as they can hold, and then floods NEEDs with a
 * valid token as fast as it can send. Meanwhile honest nodes on 127.0.0.1 register, seed and
 * download a file: every step succeeds and the file arrives exact. The attacker got at most its
 * host's share; the tracker's memory growth is measured and printed.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../source/clock.ts';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { encode } from '../../source/protocol/codec.ts';
import { startTracker } from '../../source/tracker/server.ts';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { waitFor } from '../peer/harness/wait.ts';
import { Attacker } from './harness/attacker.ts';
import { memoryLogger, World } from './harness/world.ts';

const SEED = 777;
const MiB = 1024 * 1024;
const LIMITS = {
  maxNodes: 40,
  maxFiles: 200,
  maxNodesPerHost: 8,
  maxFilesPerHost: 50,
  requestsPerHostPerSecond: 100,
  requestBurstPerHost: 200,
};
const ATTACK_IDS = 60;
const OWNS_PER_ID = 40;
const FLOOD_NEEDS = 20_000;

test('one host cannot fill the registry or the index, nor starve others of answers', {
  timeout: 60_000,
}, async (t) => {
  const random = new SeededRandom(SEED);
  const world = await World.create('address-bounds');
  const sockets: Attacker[] = [];
  const started = await startTracker({
    host: '127.0.0.1',
    port: 0,
    dbDir: world.dbDir,
    logger: memoryLogger('tracker', world.trackerLines),
    sweepIntervalMs: 60_000,
    clock: systemClock,
    limits: LIMITS,
  });
  if (!started.ok) throw new Error(started.error.message);
  const tracker = started.tracker;
  world.pointAtTracker(tracker.address.port);
  try {
    const heapBefore = process.memoryUsage().heapUsed;
    // Every id it can get, and every file those ids can announce.
    const attacker = await Attacker.open('127.0.0.66');
    sockets.push(attacker);
    const tokens: Buffer[] = [];
    for (let id = 1000; id < 1000 + ATTACK_IDS; id++) {
      const reply = await attacker.register(tracker.address, id);
      if (reply?.type === 'registered') tokens.push(Buffer.from(reply.token));
    }
    let owned = 0;
    for (const token of tokens) {
      for (let n = 0; n < OWNS_PER_ID; n++) {
        const reply = await attacker.ask(tracker.address, {
          type: 'own',
          state: 'complete',
          token,
          infohash: random.bytes(32),
          name: `junk-${owned}-${n}.bin`,
          size: 1,
        });
        if (reply?.type === 'ack') owned++;
      }
    }

    // Then NEEDs as fast as it can send, while honest nodes register, seed and download.
    let flooding = true;
    let flooded = 0;
    const flood = (async () => {
      const need = encode(1, {
        type: 'need',
        exclude: [],
        token: tokens[0] ?? Buffer.alloc(8),
        query: { kind: 'name', name: 'shared.bin' },
        maxOwners: 16,
      });
      while (flooding && flooded < FLOOD_NEEDS) {
        for (let i = 0; i < 50; i++, flooded++) {
          attacker.endpoint.sendRaw(need, need.length, tracker.address);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await mkdir(join(world.filesDir, 'node1'), { recursive: true });
    const source = join(world.filesDir, 'node1', 'shared.bin');
    await writeRandomFile(source, 2 * MiB, SEED);
    const seeder = await world.addPeer(1);
    assert.equal((await seeder.node.seed('shared.bin')).ok, true);
    const leecher = await world.addPeer(2);
    assert.equal(leecher.node.download('shared.bin').ok, true);
    const done = () => leecher.node.getSnapshot().downloads.some((d) => d.state === 'done');
    await waitFor(done, 'the honest download completes during the flood', 30_000);
    flooding = false;
    await flood;
    const heapAfter = process.memoryUsage().heapUsed;

    const copy = join(world.filesDir, 'node2', 'shared.bin');
    assert.equal(await sha256File(copy), await sha256File(source));
    const growthMiB = (heapAfter - heapBefore) / MiB;
    const snapshot = tracker.getSnapshot();
    const context = `(seed ${SEED}; attacker got ${tokens.length}/${ATTACK_IDS} ids and ${owned} files, flooded ${flooded} NEEDs; tracker ${snapshot.nodes.length} nodes, ${snapshot.files.length} files; heap ${(heapBefore / MiB).toFixed(1)} -> ${(heapAfter / MiB).toFixed(1)} MiB, ${growthMiB >= 0 ? '+' : ''}${growthMiB.toFixed(1)} MiB)`;
    t.diagnostic(context);
    assert.equal(tokens.length, LIMITS.maxNodesPerHost, context);
    assert.equal(owned, LIMITS.maxFilesPerHost, context);
    assert.ok(growthMiB < 64, `tracker memory stays bounded ${context}`);
    await tracker.stop();
    const throttled = world.trackerLines.find((line) =>
      line.includes('throttled need (over its host'),
    );
    assert.ok(throttled?.includes('127.0.0.66 ×'), `the flood was throttled: ${throttled}`);
    // One line per id and file it was allowed (58), 20 searches, two lines per refusal kind,
    // the honest nodes' few: never a line per datagram (it sent over 20,000).
    assert.ok(
      world.trackerLines.length < 120,
      `the log stays short: ${world.trackerLines.length} lines ${context}`,
    );
  } finally {
    await Promise.allSettled(sockets.map((s) => s.close()));
    await world.close();
    await tracker.stop();
  }
});

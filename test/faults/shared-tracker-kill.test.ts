/**
 * Two tracker processes share one swarm through a real redis-server. Nodes use them in either
 * order (`--tracker A:P,B:P` or `B:P,A:P`). Tracker A is SIGKILLed mid-download: its nodes move
 * to B with the same session (no re-registration: B already knows their tokens), no node is
 * dropped from the shared view, the download in progress and one started afterwards complete
 * exact, and the credits both downloads gave add up to twice the file size (the downloaders are
 * on hosts of their own: the tracker caps credits per reporting host and file).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { heartbeatIntervalForSweep } from '../../source/config.ts';
import { killAll, trackerPort } from '../peer/harness/cli.ts';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { type RedisServer, startRedisServer } from '../peer/harness/redis-server.ts';
import { sleep, waitFor } from '../peer/harness/wait.ts';
import { type ExportedSwarm, exportSwarm, spawnTracker } from './harness/tracker-cli.ts';
import { World, type WorldPeer } from './harness/world.ts';

const MiB = 1024 * 1024;
const NAME = 'shared.bin';
const SIZE_BYTES = 16 * MiB;
const SEED = 1402;
const SWEEP_SEC = 4;
/** Three owners at 1 MiB/s each: the download runs for about five seconds, the kill lands in it. */
const OWNER_RATE_BYTES_PER_SEC = 1 * MiB;

let redis: RedisServer | null = null;
after(async () => {
  await killAll();
  await redis?.stop();
});

test('one of two trackers sharing Redis is SIGKILLed: nobody is dropped, downloads complete, credits add up', {
  timeout: 120_000,
}, async (t) => {
  redis = await startRedisServer();
  const world = await World.create('shared-tracker-kill');
  const tracker = (name: string) =>
    spawnTracker(world.root, name, SWEEP_SEC, ['--store', redis!.url]);
  try {
    const first = tracker('a');
    const second = tracker('b');
    const [portA, portB] = [await trackerPort(first), await trackerPort(second)];
    let expected = '';
    const owners: WorldPeer[] = [];
    for (const id of [1, 2, 3]) {
      // Owners 1 and 2 talk to A, owner 3 to B.
      world.pointAtTrackers(id === 3 ? [portB, portA] : [portA, portB]);
      const folder = join(world.filesDir, `node${id}`);
      await mkdir(folder, { recursive: true });
      expected = await writeRandomFile(join(folder, NAME), SIZE_BYTES, SEED);
      const owner = await world.addPeer(id);
      owner.node.setUploadLimit(OWNER_RATE_BYTES_PER_SEC);
      assert.deepEqual(await owner.node.seed(NAME), { ok: true });
      owners.push(owner);
    }
    world.pointAtTrackers([portA, portB]);
    const early = await world.addPeer(10, undefined, '127.0.0.10');
    const before = await exportSwarm(redis.url);
    assert.deepEqual(
      before.nodes.map((node) => node.nodeId),
      [1, 2, 3, 10],
      'the shared view holds the nodes of both trackers',
    );
    assert.deepEqual(early.node.download(NAME), { ok: true });
    await waitFor(
      () => (early.node.getSnapshot().downloads[0]?.piecesVerified ?? 0) > 0,
      'the download to verify a piece before the kill',
      20_000,
    );

    first.signal('SIGKILL');
    await first.waitForExit();
    const killedAtMs = performance.now();
    assert.equal(
      early.node.getSnapshot().downloads[0]?.state,
      'downloading',
      'killed mid-download',
    );
    const everyone = [...owners, early];
    await waitFor(
      () =>
        everyone.every((peer) =>
          peer.node.getSnapshot().tracker.address.startsWith(`127.0.0.1:${portB} `),
        ),
      'every node on tracker B',
      heartbeatIntervalForSweep(SWEEP_SEC * 1000) + 3_500 + 2_000,
    );
    for (const peer of everyone) {
      assert.ok(
        !peer.lines.some((line) => line.includes('register again')),
        `node ${peer.nodeId} kept its session: ${peer.lines.filter((l) => /tracker/.test(l)).join(' | ')}`,
      );
    }

    const late = await world.addPeer(11, undefined, '127.0.0.11');
    assert.deepEqual(late.node.download(NAME), { ok: true });
    for (const peer of [early, late]) {
      const [download] = await peer.node.whenDownloadsSettled();
      const context = `node ${peer.nodeId}: ${download?.state} ${download?.reason ?? ''} (seed ${SEED})`;
      assert.equal(download?.state, 'done', context);
      const file = join(world.filesDir, `node${peer.nodeId}`, NAME);
      assert.equal(await sha256File(file), expected, context);
    }

    // Two sweep periods after the kill nobody is dropped, and every byte downloaded is credited.
    await sleep(Math.max(0, killedAtMs + 2 * SWEEP_SEC * 1000 + 500 - performance.now()));
    let after: ExportedSwarm = before;
    await waitFor(
      async () => {
        after = await exportSwarm(redis!.url);
        return after.nodes.reduce((sum, node) => sum + node.uploadCredit, 0) === 2 * SIZE_BYTES;
      },
      'the credits of both downloads',
      10_000,
    ).catch(() => {});
    const credits = after.nodes.map((node) => [node.nodeId, node.uploadCredit]);
    assert.deepEqual(
      after.nodes.map((node) => node.nodeId),
      [1, 2, 3, 10, 11],
      'no node dropped',
    );
    assert.equal(
      after.nodes.reduce((sum, node) => sum + node.uploadCredit, 0),
      2 * SIZE_BYTES,
      `credits ${JSON.stringify(credits)}`,
    );
    assert.deepEqual(after.files.find((file) => file.name === NAME)?.owners, [1, 2, 3, 10, 11]);
    t.diagnostic(`credits after the kill ${JSON.stringify(credits)}`);
  } finally {
    await killAll();
    await world.close();
  }
});

/**
 * A node given two trackers (`--tracker A:P,B:P`) uses the first; when it is SIGKILLed, every
 * node moves to the second within one heartbeat and a little (the request that found A silent:
 * three tries, 1.4 to 3.5 s), registers there and announces what it seeds. The download running
 * at the kill completes, and a node started after it (A still first in its list) downloads too,
 * both exact. The trackers are real child processes, each with its own database.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { heartbeatIntervalForSweep } from '../../source/config.ts';
import { killAll, trackerPort } from '../peer/harness/cli.ts';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { waitFor } from '../peer/harness/wait.ts';
import { spawnTracker } from './harness/tracker-cli.ts';
import { World, type WorldPeer } from './harness/world.ts';

const MiB = 1024 * 1024;
const NAME = 'failover.bin';
const SEED = 1401;
const SWEEP_SEC = 4;
/** Each owner serves at most this much: the download is still running when A dies. */
const OWNER_RATE_BYTES_PER_SEC = 2 * MiB;

after(killAll);

test('nodes move to the second tracker within a heartbeat when the first is killed; downloads complete', {
  timeout: 90_000,
}, async (t) => {
  const world = await World.create('tracker-failover');
  const tracker = (name: string) =>
    spawnTracker(world.root, name, SWEEP_SEC, ['--db', join(world.root, `db-${name}`)]);
  try {
    const first = tracker('a');
    const second = tracker('b');
    const [portA, portB] = [await trackerPort(first), await trackerPort(second)];
    world.pointAtTrackers([portA, portB]);
    let expected = '';
    const owners: WorldPeer[] = [];
    for (const id of [1, 2]) {
      const folder = join(world.filesDir, `node${id}`);
      await mkdir(folder, { recursive: true });
      expected = await writeRandomFile(join(folder, NAME), 16 * MiB, SEED);
      const owner = await world.addPeer(id);
      owner.node.setUploadLimit(OWNER_RATE_BYTES_PER_SEC);
      assert.deepEqual(await owner.node.seed(NAME), { ok: true });
      owners.push(owner);
    }
    const early = await world.addPeer(10);
    const label = (peer: WorldPeer) => peer.node.getSnapshot().tracker.address;
    assert.equal(label(early), `127.0.0.1:${portA} (1 of 2)`);
    assert.deepEqual(early.node.download(NAME), { ok: true });
    await waitFor(
      () => (early.node.getSnapshot().downloads[0]?.piecesVerified ?? 0) > 0,
      'the first download to verify a piece before the kill',
      20_000,
    );

    first.signal('SIGKILL');
    await first.waitForExit();
    const killedAtMs = performance.now();
    const everyone = [...owners, early];
    const heartbeatMs = heartbeatIntervalForSweep(SWEEP_SEC * 1000);
    await waitFor(
      () =>
        everyone.every(
          (peer) =>
            label(peer) === `127.0.0.1:${portB} (2 of 2)` &&
            peer.node.getSnapshot().tracker.status === 'registered',
        ),
      'every node to register with the second tracker',
      heartbeatMs + 3_500 + 2_000,
    );
    const movedAfterMs = Math.round(performance.now() - killedAtMs);
    for (const peer of everyone) {
      assert.ok(
        peer.lines.some((line) =>
          line.includes(`tracker 127.0.0.1:${portA} does not answer; moving to 127.0.0.1:${portB}`),
        ),
        `node ${peer.nodeId} says why it moved`,
      );
    }

    const late = await world.addPeer(11);
    assert.deepEqual(late.node.download(NAME), { ok: true });
    for (const peer of [early, late]) {
      const [download] = await peer.node.whenDownloadsSettled();
      const context = `node ${peer.nodeId}: ${download?.state} ${download?.reason ?? ''}; moved ${movedAfterMs} ms after the kill (seed ${SEED})`;
      assert.equal(download?.state, 'done', context);
      assert.equal(
        await sha256File(join(world.filesDir, `node${peer.nodeId}`, NAME)),
        expected,
        context,
      );
    }
    assert.equal(label(late), `127.0.0.1:${portB} (2 of 2)`);
    t.diagnostic(`every node on the second tracker ${movedAfterMs} ms after the kill`);
  } finally {
    await killAll();
    await world.close();
  }
});

test('a node whose first tracker is full registers at the second', {
  timeout: 30_000,
}, async () => {
  // Found by hand: `--tracker A,B` with A full (--max-nodes) was refused, `tracker is full (1
  // node)`, and a headless node exited 1 without asking B.
  const world = await World.create('tracker-full');
  try {
    const first = spawnTracker(world.root, 'a', SWEEP_SEC, [
      ...['--db', join(world.root, 'db-a'), '--max-nodes', '1'],
    ]);
    const second = spawnTracker(world.root, 'b', SWEEP_SEC, ['--db', join(world.root, 'db-b')]);
    const [portA, portB] = [await trackerPort(first), await trackerPort(second)];
    world.pointAtTrackers([portA, portB]);
    const label = (peer: WorldPeer) => peer.node.getSnapshot().tracker.address;
    const filling = await world.addPeer(1);
    assert.equal(label(filling), `127.0.0.1:${portA} (1 of 2)`);
    const moved = await world.addPeer(2);
    assert.equal(moved.node.tracker.status, 'registered');
    await waitFor(
      () => label(moved) === `127.0.0.1:${portB} (2 of 2)`,
      `the view's header on B (shows ${label(moved)})`,
      5_000,
    );
    assert.ok(
      moved.lines.some((line) =>
        line.endsWith(`tracker 127.0.0.1:${portA} is full; moving to 127.0.0.1:${portB}`),
      ),
      moved.lines.join('\n'),
    );
  } finally {
    await killAll();
    await world.close();
  }
});

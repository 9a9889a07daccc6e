/**
 * A tracker on its own disk (LMDB) is SIGKILLed the moment a downloader's credit is acknowledged:
 * started again, it holds the credit. A node never sends an acknowledged UPDATE again, and until
 * 2026-12-07 the embedded store acknowledged it before its batch (up to 250 ms later) was
 * written: the credit the log said was given was gone (found by a session).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killAll, spawnCli, trackerPort } from '../peer/harness/cli.ts';
import { writeRandomFile } from '../peer/harness/files.ts';
import { spawnTracker } from './harness/tracker-cli.ts';
import { World } from './harness/world.ts';

const MiB = 1024 * 1024;
const NAME = 'credited.bin';

after(async () => {
  await killAll();
});

test('a credit acknowledged by a tracker on its own disk survives its SIGKILL', {
  timeout: 60_000,
}, async () => {
  const world = await World.create('tracker-kill-credit');
  const db = join(world.root, 'db');
  try {
    const tracker = spawnTracker(world.root, 'a', 22, ['--db', db]);
    world.pointAtTrackers([await trackerPort(tracker)]);
    const folder = join(world.filesDir, 'node1');
    await mkdir(folder, { recursive: true });
    await writeRandomFile(join(folder, NAME), 1 * MiB, 1501);
    const owner = await world.addPeer(1);
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    // On a host of its own: the tracker caps credits per reporting host and file.
    const leecher = await world.addPeer(10, undefined, '127.0.0.10');
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    // Settled: verified, and its credit acknowledged by the tracker (the follow-up waits).
    const [download] = await leecher.node.whenDownloadsSettled();
    tracker.signal('SIGKILL');
    assert.equal(download?.state, 'done', download?.reason);
    assert.ok(
      leecher.lines.every((line) => !line.includes('could not credit')),
      leecher.lines.join('\n'),
    );
    await tracker.waitForExit(10_000);

    const exported = spawnCli(['tracker', 'export', '--db', db]);
    assert.equal((await exported.waitForExit()).code, 0, exported.stderr.join('\n'));
    const swarm = JSON.parse(exported.stdout.join('\n')) as {
      nodes: { nodeId: number; uploadCredit: number }[];
    };
    const credit = swarm.nodes.find((node) => node.nodeId === 1)?.uploadCredit;
    assert.equal(credit, 1 * MiB, exported.stdout.join('\n'));
  } finally {
    await world.close();
  }
});

/**
 * A file is fetched from all its complete owners in parallel, as the course design asks, not
 * nearly all from whichever answered first: three seeders on loopback with nothing limiting them,
 * and once one served 243 of 256 MiB (bench/swarm.ts). Each may hold at most an equal share of
 * the blocks in flight (in-flight-room.ts). Real loopback UDP.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File } from './harness/files.ts';
import { downloadAndSettle, Swarm, startSeeders } from './harness/swarm.ts';

const MiB = 1024 * 1024;
const NAME = 'shared.bin';
const SEEDERS = 3;

test('three complete owners each serve a fair part of a download', {
  timeout: 60_000,
}, async () => {
  const seed = 3301;
  const sizeBytes = 32 * MiB;
  const swarm = await Swarm.start();
  try {
    const file = { name: NAME, sizeBytes, seed, count: SEEDERS };
    const { expected } = await startSeeders(swarm, file);
    const leecher = await swarm.addNode({ nodeId: 10 });
    const download = await downloadAndSettle(leecher, NAME, 45_000);
    const shares = download.owners.map(
      (owner) => `node ${owner.nodeId} ${(owner.bytesDelivered / MiB).toFixed(1)} MiB`,
    );
    const detail = `seed ${seed}: ${download.state} ${download.reason}; ${shares.join(', ')}`;
    assert.equal(download.state, 'done', detail);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, detail);
    assert.equal(download.owners.length, SEEDERS, detail);
    // An equal share is a third; each at least a sixth.
    for (const owner of download.owners) {
      assert.ok(owner.bytesDelivered >= sizeBytes / 6, detail);
    }
  } finally {
    await swarm.close();
  }
});

/**
 * Under the node's own --download-limit the limit sets the pace, not the owners: requests are
 * spread over them, and none is judged slow for the share it was given. Real loopback UDP, two
 * complete owners with no upload limit, SHA-256 of the file; counts, never times.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { Swarm, settled } from './harness/swarm.ts';

const MiB = 1024 * 1024;
const NAME = 'limited.img';

test('a download held to its own limit spreads its requests and calls no owner slow', {
  timeout: 120_000,
}, async () => {
  const seed = 1301;
  const sizeBytes = 16 * MiB;
  const swarm = await Swarm.start();
  try {
    const owners = [1, 2];
    let expected = '';
    for (const nodeId of owners) {
      expected = await writeRandomFile(join(await swarm.folderFor(nodeId), NAME), sizeBytes, seed);
    }
    for (const nodeId of owners) {
      const owner = await swarm.addNode({ nodeId });
      assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    }
    const leecher = await swarm.addNode({ nodeId: 9, downloadLimitBytesPerSec: 4 * MiB });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const download = await settled(leecher, NAME, 90_000);
    assert.equal(download.state, 'done', `seed ${seed}: ${download.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
    const slow = leecher.lines.filter((line) => line.includes(' is slow '));
    assert.deepEqual(slow, [], `seed ${seed}`);
    const delivered = download.owners.map((owner) => owner.verifiedBytes);
    assert.equal(delivered.length, 2);
    for (const bytes of delivered)
      assert.ok(bytes >= sizeBytes / 4, `seed ${seed}: delivered ${delivered.join(', ')} bytes`);
  } finally {
    await swarm.close();
  }
});

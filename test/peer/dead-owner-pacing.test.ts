/**
 * An owner that dies mid-download leaves requests that time out as it goes silent; they are not
 * a queue overflowing. A seeder killed mid-download left `requests paced to 636.8 KiB/s: over
 * 5 % of what was asked for in 100 ms was lost on the way` 0.3 s after its death, above the
 * node's own `--download-limit` (found by a session). Real loopback UDP, two owners held to
 * 512 KiB/s each, one cut off as a crash would; the file's SHA-256.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadRow, Swarm, settled } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const KiB = 1024;
const NAME = 'two-owners.bin';

test('an owner found dead mid-download does not pace the download for its lost requests', {
  timeout: 60_000,
}, async () => {
  const seed = 4101;
  const swarm = await Swarm.start();
  try {
    const owners = await swarm.addNodes(
      [1, 2].map((nodeId) => ({ nodeId, uploadLimitBytesPerSec: 512 * KiB })),
    );
    const expected = await writeRandomFile(join(owners[0]!.folder, NAME), 4096 * KiB, seed);
    await writeRandomFile(join(owners[1]!.folder, NAME), 4096 * KiB, seed);
    for (const owner of owners) assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 3 });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    await waitFor(
      () =>
        (downloadRow(leecher, NAME)?.owners.filter((o) => o.bytesDelivered > 0).length ?? 0) === 2,
      `both owners delivering (seed ${seed})`,
      20_000,
    );
    // Cut off as a crash would: nothing in or out.
    owners[1]!.faults.partition(() => true);
    await waitFor(
      () => leecher.lines.some((line) => line.includes('node 2 is dead')),
      () => `node 2 found dead (seed ${seed}):\n${leecher.lines.join('\n')}`,
      20_000,
    );
    const done = await settled(leecher, NAME, 40_000);
    assert.equal(done.state, 'done', `seed ${seed}: ${done.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
    assert.deepEqual(
      leecher.lines.filter((line) => line.includes('requests paced to')),
      [],
      `seed ${seed}:\n${leecher.lines.join('\n')}`,
    );
  } finally {
    await swarm.close();
  }
});

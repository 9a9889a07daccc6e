/**
 * The peers pane (the seeder's `uploads`) lists who downloads from this node while it does, and
 * lets it go soon after it has the file: before, a finished peer stayed listed at 0 B/s (and
 * counted in the header's `to N peers`) for up to a rechoke period, 10 s (found by hand).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadAndSettle, Swarm } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const MiB = 1024 * 1024;
const NAME = 'pane.bin';

test('a downloader leaves the peers pane within seconds of having the file', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const expected = await writeRandomFile(join(await swarm.folderFor(1), NAME), 6 * MiB, 1501);
    // A slow uplink keeps the leecher in the pane for a few seconds.
    const owner = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 2 * MiB });
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 2 });
    const listed = waitFor(
      () => owner.node.getSnapshot().uploads.length === 1,
      'the leecher in the pane while it downloads',
      10_000,
    );
    const download = await downloadAndSettle(leecher, NAME, 30_000);
    await listed;
    assert.equal(download.state, 'done', download.reason);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected);
    // The idle cut is 2 s and the pane samples about once a second; before, it took 10 s.
    await waitFor(
      () => owner.node.getSnapshot().uploads.length === 0,
      'the pane empty once the leecher has the file',
      5_000,
    );
  } finally {
    await swarm.close();
  }
});

/**
 * Slow (~20 s; `npm run test:slow`): a downloader that comes to a lone owner held to a tiny
 * `--upload-limit` while it serves another gets the metainfo at once and a share of the limit
 * before the other is done. Real loopback UDP, one seeder, two downloaders; SHA-256 of both.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { downloadRow, Swarm, settled } from '../peer/harness/swarm.ts';
import { waitFor } from '../peer/harness/wait.ts';

const KiB = 1024;
const NAME = 'tiny.bin';

/**
 * Until 2026-12-08 the newcomer's METAINFO was refused `busy` while DATA for the first waited
 * behind the limit, and the nodes of one machine were one host in the limit's shares: it read
 * `waiting for owners (no owner could send the metainfo)` until the first was done (five
 * newcomers to an owner at `2K` were served one after another, 12-23 s idle between them; found
 * by a session).
 */
test('a newcomer to an owner at its upload limit is served beside the downloader before it', {
  timeout: 90_000,
}, async () => {
  const seed = 3501;
  const swarm = await Swarm.start();
  try {
    const owner = await swarm.addNode({ nodeId: 1, uploadLimitBytesPerSec: 4 * KiB });
    const expected = await writeRandomFile(join(owner.folder, NAME), 32 * KiB, seed);
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    const block = { blockSizeBytes: 4 * KiB };
    const first = await swarm.addNode({ nodeId: 2, ...block });
    assert.deepEqual(first.node.download(NAME), { ok: true });
    const delivered = (node: typeof first) => downloadRow(node, NAME)?.owners[0]?.bytesDelivered;
    await waitFor(() => (delivered(first) ?? 0) >= 8 * KiB, 'the first downloader served', 20_000);
    const second = await swarm.addNode({ nodeId: 3, ...block });
    assert.deepEqual(second.node.download(NAME), { ok: true });
    await waitFor(
      () => (delivered(second) ?? 0) > 0,
      () => `the newcomer served (seed ${seed}):\n${second.lines.join('\n')}`,
      10_000,
    );
    assert.equal(downloadRow(first, NAME)?.state, 'downloading', 'beside the first, not after');
    for (const node of [first, second]) {
      const download = await settled(node, NAME, 60_000);
      assert.equal(download.state, 'done', `seed ${seed}: ${download.reason}`);
      assert.equal(await sha256File(join(node.folder, NAME)), expected, `seed ${seed}`);
    }
    assert.ok(!second.lines.some((line) => line.includes('no owner could send the metainfo')));
  } finally {
    await swarm.close();
  }
});

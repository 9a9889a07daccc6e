/**
 * A download's part file deleted from the node folder while it downloads, over real UDP on
 * 127.0.0.1. Found by hand: the download went on into the unnamed file, and at the end linking
 * it to its final name failed (ENOENT) in a promise nobody caught, and the whole node crashed.
 * Now that download stops within a couple of seconds with a sentence saying why (its part file
 * has no name left), and the node goes on.
 */
import assert from 'node:assert/strict';
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { STATE_DIR_NAME } from '../../source/peer/node-folder.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadAndSettle, downloadRow, Swarm, settled } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const MiB = 1024 * 1024;

test('a part file deleted while it downloads fails that download with the reason; the node goes on', {
  timeout: 40_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const seederFolder = await swarm.folderFor(1);
    await writeRandomFile(join(seederFolder, 'big.bin'), 4 * MiB, 1301);
    const small = await writeRandomFile(join(seederFolder, 'small.bin'), 256 * 1024, 1302);
    const [seeder, leecher] = await swarm.addNodes([
      { nodeId: 1 },
      // 1 MiB/s: four seconds of downloading to delete the part file in.
      { nodeId: 2, downloadLimitBytesPerSec: MiB },
    ]);
    assert.deepEqual(await seeder!.node.seed('big.bin'), { ok: true });
    assert.deepEqual(await seeder!.node.seed('small.bin'), { ok: true });

    assert.deepEqual(leecher!.node.download('big.bin'), { ok: true });
    await waitFor(
      () => (downloadRow(leecher!, 'big.bin')?.bytesVerified ?? 0) > 0,
      'big.bin to start arriving',
      10_000,
    );
    await rm(join(leecher!.folder, 'big.bin.part'));
    const download = await settled(leecher!, 'big.bin', 20_000);
    assert.equal(download.state, 'failed');
    const fetched = downloadRow(leecher!, 'big.bin')?.bytesVerified ?? 0;
    assert.ok(fetched < 4 * MiB, `stopped before the rest was fetched (${fetched} B verified)`);
    assert.equal(
      download.reason,
      'big.bin.part was deleted or moved out of the folder before the download finished; download it again to start over',
    );
    assert.ok(
      leecher!.lines.some((line) => line.endsWith(` big.bin: failed: ${download.reason}`)),
      leecher!.lines.join('\n'),
    );
    await assert.rejects(access(join(leecher!.folder, 'big.bin')), 'no file under the final name');
    await assert.rejects(
      access(join(leecher!.folder, STATE_DIR_NAME, 'downloads', 'big.bin.json')),
      'no progress record left for a part file that is gone',
    );

    // The node is still there: it downloads the next file.
    const next = await downloadAndSettle(leecher!, 'small.bin', 20_000);
    assert.equal(next.state, 'done', next.reason);
    assert.equal(await sha256File(join(leecher!.folder, 'small.bin')), small);
  } finally {
    await swarm.close();
  }
});

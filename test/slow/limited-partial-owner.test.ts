/**
 * Slow (~15 s): a partial owner held to a tiny `--upload-limit` tells a new downloader what it
 * has. Its BITFIELD went through the upload limit behind the DATA it owed another peer, and was
 * refused `busy`: the new downloader read `◐0/128` beside its 38 pieces for 20-70 s, and, never
 * watched, got none of its HAVEs either (found by a session). Real loopback UDP.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeRandomFile } from '../peer/harness/files.ts';
import { downloadRow, Swarm } from '../peer/harness/swarm.ts';
import { waitFor } from '../peer/harness/wait.ts';

const KiB = 1024;
const NAME = 'held.bin';

test('a partial owner under a tiny upload limit answers BITFIELD while its DATA waits', {
  timeout: 90_000,
}, async () => {
  const seed = 3721;
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 256 * KiB });
    await writeRandomFile(join(seeder.folder, NAME), 4096 * KiB, seed);
    assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
    const partial = await swarm.addNode({ nodeId: 2, uploadLimitBytesPerSec: 2 * KiB });
    assert.deepEqual(partial.node.download(NAME), { ok: true });
    await waitFor(
      () => (downloadRow(partial, NAME)?.piecesVerified ?? 0) >= 4,
      `node 2 with 4 pieces (seed ${seed})`,
      20_000,
    );
    // Paused: what it has stays put, and it serves it at 2 KiB/s.
    partial.node.togglePause(NAME);
    await waitFor(() => downloadRow(partial, NAME)?.state === 'paused', 'node 2 paused', 5_000);
    const held = downloadRow(partial, NAME)!.piecesVerified;
    // Node 4 asks node 2 for blocks: its upload queue holds seconds of DATA.
    const first = await swarm.addNode({ nodeId: 4 });
    assert.deepEqual(first.node.download(NAME), { ok: true });
    const ownerOf = (node: typeof first) => () =>
      downloadRow(node, NAME)?.owners.find((owner) => owner.nodeId === 2) ?? null;
    await waitFor(
      () => (ownerOf(first)()?.bytesDelivered ?? 0) > 0,
      `node 2 serving node 4 (seed ${seed})`,
      20_000,
    );
    const second = await swarm.addNode({ nodeId: 3 });
    assert.deepEqual(second.node.download(NAME), { ok: true });
    await waitFor(() => ownerOf(second)() !== null, `node 3 meeting node 2 (seed ${seed})`, 20_000);
    await waitFor(
      () => ownerOf(second)()?.piecesHave === held,
      `node 3 told node 2's ${held} pieces (seed ${seed}): ${JSON.stringify(ownerOf(second)())}`,
      8_000,
    );
  } finally {
    await swarm.close();
  }
});

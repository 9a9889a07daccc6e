/**
 * A link's cookie outlives what its owner takes: here the owner restarts at the same address
 * (a new secret), while a paused download holds the link to it. A new download from it then asks
 * for the metainfo with the old cookie, is refused `bad-cookie`, says HELLO once and asks again.
 * Before, it took the owner for dead and asked with the same cookie at every try, for as long as
 * it ran: found by hand in a view left open 20 minutes, where cookies age out the same way.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadRow, Swarm } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const MiB = 1024 * 1024;

test('a new download from an owner that no longer knows the link cookie renews it and completes', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const folder = await swarm.folderFor(1);
    const hashes: Record<string, string> = {};
    for (const [i, name] of ['held.bin', 'new.bin'].entries())
      hashes[name] = await writeRandomFile(join(folder, name), 2 * MiB, 500 + i);
    let owner = await swarm.addNode({ nodeId: 1 });
    assert.deepEqual(await owner.node.seed('held.bin'), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 2, downloadLimitBytesPerSec: 256 * 1024 });
    // A download paused once it met the owner: it holds the link, and with it the cookie.
    assert.deepEqual(leecher.node.download('held.bin'), { ok: true });
    await waitFor(
      () => (downloadRow(leecher, 'held.bin')?.piecesVerified ?? 0) > 0,
      'a piece of held.bin',
      20_000,
    );
    leecher.node.togglePause('held.bin');
    // The owner restarts where it was: the same id, address and key, a new cookie secret.
    const port = owner.address.port;
    await owner.exit();
    owner = await swarm.addNode({ nodeId: 1, port });
    assert.deepEqual(await owner.node.seed('new.bin'), { ok: true });
    assert.deepEqual(leecher.node.download('new.bin'), { ok: true });
    await waitFor(
      () => downloadRow(leecher, 'new.bin')?.state === 'done',
      `new.bin done:\n${leecher.lines.join('\n')}`,
      30_000,
    );
    assert.equal(await sha256File(join(leecher.folder, 'new.bin')), hashes['new.bin']);
    assert.deepEqual(
      leecher.lines.filter((line) => line.includes('new.bin: node 1 is dead')),
      [],
      'the owner was never taken for dead',
    );
  } finally {
    await swarm.close();
  }
});

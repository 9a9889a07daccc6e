/**
 * A link's cookie outlives what its owner takes: here the owner restarts at the same address
 * (a new secret), while a paused download holds the link to it. A new download from it then asks
 * for the metainfo with the old cookie, is refused `bad-cookie`, says HELLO once and asks again.
 * Before, it took the owner for dead and asked with the same cookie at every try, for as long as
 * it ran: found by hand in a view left open 20 minutes, where cookies age out the same way. The
 * same for a partial owner, whose first request after HELLO is for its BITFIELD.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadRow, Swarm, type SwarmNode } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const MiB = 1024 * 1024;

/**
 * Node 2, downloading held.bin from `owner` and paused once a piece came: the paused download
 * holds the link to the owner, and with it the cookie.
 */
async function leecherHoldingLink(swarm: Swarm, owner: SwarmNode): Promise<SwarmNode> {
  assert.deepEqual(await owner.node.seed('held.bin'), { ok: true });
  const leecher = await swarm.addNode({ nodeId: 2, downloadLimitBytesPerSec: 256 * 1024 });
  assert.deepEqual(leecher.node.download('held.bin'), { ok: true });
  await waitFor(
    () => (downloadRow(leecher, 'held.bin')?.piecesVerified ?? 0) > 0,
    'a piece of held.bin',
    20_000,
  );
  leecher.node.togglePause('held.bin');
  leecher.node.setDownloadLimit(0);
  return leecher;
}

/** `name` at `node` ended done, its SHA-256 `expected`. */
async function doneExact(node: SwarmNode, name: string, expected: string): Promise<void> {
  await waitFor(
    () => downloadRow(node, name)?.state === 'done',
    `${name} done:\n${node.lines.join('\n')}`,
    30_000,
  );
  assert.equal(await sha256File(join(node.folder, name)), expected);
}

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
    const leecher = await leecherHoldingLink(swarm, owner);
    // The owner restarts where it was: the same id, address and key, a new cookie secret.
    const port = owner.address.port;
    await owner.exit();
    owner = await swarm.addNode({ nodeId: 1, port });
    assert.deepEqual(await owner.node.seed('new.bin'), { ok: true });
    assert.deepEqual(leecher.node.download('new.bin'), { ok: true });
    await doneExact(leecher, 'new.bin', hashes['new.bin']!);
    assert.deepEqual(
      leecher.lines.filter((line) => line.includes('new.bin: node 1 is dead')),
      [],
      'the owner was never taken for dead',
    );
  } finally {
    await swarm.close();
  }
});

test('a partial owner that no longer knows the link cookie is greeted again when it refuses its BITFIELD', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    await writeRandomFile(join(await swarm.folderFor(1), 'held.bin'), 2 * MiB, 510);
    const expected = await writeRandomFile(join(await swarm.folderFor(3), 'x.bin'), 4 * MiB, 511);
    // The complete owner serves 1 MiB/s, so node 1's half of x.bin is worth asking for.
    const seeder = await swarm.addNode({ nodeId: 3, uploadLimitBytesPerSec: MiB });
    assert.deepEqual(await seeder.node.seed('x.bin'), { ok: true });
    let owner = await swarm.addNode({ nodeId: 1 });
    const leecher = await leecherHoldingLink(swarm, owner);
    // Node 1 gets half of x.bin, stops, and comes back where it was with a new cookie secret:
    // a partial owner now, whose pieces the leecher learns from its BITFIELD.
    let stopping: Promise<void> | null = null;
    owner.tripwire.arm(2 * MiB, () => {
      stopping = owner.exit();
    });
    assert.deepEqual(owner.node.download('x.bin'), { ok: true });
    await waitFor(() => stopping !== null, 'node 1 to stop with half of x.bin', 20_000);
    await stopping;
    const port = owner.address.port;
    owner = await swarm.addNode({ nodeId: 1, port, downloadLimitBytesPerSec: 64 * 1024 });
    assert.deepEqual(owner.node.download('x.bin'), { ok: true });
    await waitFor(
      () => downloadRow(owner, 'x.bin')?.partialOwner === true,
      `node 1 a partial owner of x.bin:\n${owner.lines.join('\n')}`,
      20_000,
    );
    assert.deepEqual(leecher.node.download('x.bin'), { ok: true });
    await doneExact(leecher, 'x.bin', expected);
    // Before, the refused BITFIELD went unnoticed: node 1 stayed an owner of no known piece
    // until the cookie's 45 s renewal, and the seeder alone served the file.
    const fromNode1 = downloadRow(leecher, 'x.bin')?.owners.find((o) => o.nodeId === 1);
    assert.ok(
      (fromNode1?.bytesDelivered ?? 0) > 0,
      `node 1 served pieces of x.bin: ${JSON.stringify(fromNode1)}\n${leecher.lines.join('\n')}`,
    );
  } finally {
    await swarm.close();
  }
});

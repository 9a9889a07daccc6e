/**
 * Every owner crashes (silent to everyone: the tracker drops them too), then one is restarted on
 * a new port: it registers again and seeds, and the waiting download finds it at its new address
 * through the tracker and completes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { describeOwners, downloadRow, Swarm, type SwarmNode, settled } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const MiB = 1024 * 1024;
const NAME = 'comeback.bin';
const LEECHER_ID = 10;

test('owners crash and the tracker drops them: the download completes from one restarted', {
  timeout: 60_000,
}, async () => {
  const seed = 311;
  const swarm = await Swarm.start();
  try {
    let expected = '';
    const owners: SwarmNode[] = [];
    for (const id of [1, 2]) {
      expected = await writeRandomFile(join(await swarm.folderFor(id), NAME), 8 * MiB, seed);
      const owner = await swarm.addNode({ nodeId: id });
      assert.deepEqual(await owner.node.seed(NAME), { ok: true });
      owners.push(owner);
    }
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
    leecher.tripwire.arm(2 * MiB, () => {
      for (const owner of owners) owner.faults.partition(() => true);
    });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    await waitFor(
      () =>
        downloadRow(leecher, NAME)?.state === 'waiting-for-owners' &&
        owners.every((owner) =>
          swarm.trackerLines.some((line) => line.includes(`dropped node ${owner.nodeId} `)),
        ),
      `the download to wait and the tracker to drop both owners (seed ${seed})`,
      20_000,
    );
    // Restart node 2: the crashed process is gone for good, a new one starts on a new port.
    await owners[1]!.exit();
    const restarted = await swarm.addNode({ nodeId: 2 });
    assert.deepEqual(await restarted.node.seed(NAME), { ok: true });
    const download = await settled(leecher, NAME, 40_000);
    const context = `(seed ${seed}; ${describeOwners(download)})`;
    assert.equal(download.state, 'done', `state: ${download.reason} ${context}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `SHA-256 ${context}`);
    assert.equal(leecher.node.budget.inFlightBlocks, 0, `in-flight budget released ${context}`);
    const back = download.owners.find((owner) => owner.nodeId === 2)!;
    assert.equal(
      `${back.address.address}:${back.address.port}`,
      `${restarted.address.address}:${restarted.address.port}`,
      `the download follows node 2 to its new address ${context}`,
    );
    assert.equal(back.state, 'active', context);
    assert.ok(back.verifiedBytes > 0, `the restarted owner delivered ${context}`);
    // Node 1 never came back: dead, or being probed again.
    const lost = download.owners.find((owner) => owner.nodeId === 1)?.state ?? 'missing';
    assert.ok(['dead', 'connecting'].includes(lost), `node 1 is ${lost} ${context}`);
  } finally {
    await swarm.close();
  }
});

/**
 * Slow: a hostile network on every socket at once (10% loss, 10% duplication, 20% reordering up
 * to 30 ms, 5% corruption, 3% truncation, 3% padding, both ways) for two seeds. The file
 * must arrive exact with no honest owner blamed and the in-flight budget fully released. Takes
 * ~30 s a seed (control requests wait out 0.5-4 s timeouts, data windows stay tiny); run by
 * `npm run test:slow`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FaultProfile } from '../../source/net/faulty-transport.ts';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { describeOwners, downloadAndSettle, Swarm } from '../peer/harness/swarm.ts';

const NAME = 'chaos.bin';
const FILE_BYTES = 6 * 1024 * 1024 + 777;
const CHAOS: FaultProfile = {
  loss: 0.1,
  duplicate: 0.1,
  reorder: 0.2,
  reorderMaxDelayMs: 30,
  corrupt: 0.05,
  truncate: 0.03,
  pad: 0.03,
};

for (const seed of [1001, 1002]) {
  test(`a file arrives exact through every fault at once (seed ${seed})`, {
    timeout: 120_000,
  }, async () => {
    const swarm = await Swarm.start();
    try {
      let expected = '';
      for (const id of [1, 2, 3]) {
        expected = await writeRandomFile(join(await swarm.folderFor(id), NAME), FILE_BYTES, seed);
        const owner = await swarm.addNode({
          nodeId: id,
          seed: seed * 10 + id,
          inbound: CHAOS,
          outbound: CHAOS,
        });
        assert.deepEqual(await owner.node.seed(NAME), { ok: true }, `seed on node ${id}`);
      }
      const leecher = await swarm.addNode({
        nodeId: 10,
        seed: seed * 10,
        inbound: CHAOS,
        outbound: CHAOS,
      });
      const download = await downloadAndSettle(leecher, NAME, 100_000);
      const context = `(seed ${seed}; ${describeOwners(download)})`;
      assert.equal(download.state, 'done', `state: ${download.reason} ${context}`);
      assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `SHA-256 ${context}`);
      for (const owner of download.owners) {
        assert.equal(owner.strikes, 0, `no strike for node ${owner.nodeId} ${context}`);
      }
      assert.equal(leecher.node.budget.inFlightBlocks, 0, `in-flight budget released ${context}`);
    } finally {
      await swarm.close();
    }
  });
}

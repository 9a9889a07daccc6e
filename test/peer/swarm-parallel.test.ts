/**
 * Several downloads at once on one node share its socket and its in-flight budget; a node that
 * finished a download serves it to the next one (it is one of the owners then).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { describeOwners, Swarm } from './harness/swarm.ts';
import { withTimeout } from './harness/wait.ts';

const MiB = 1024 * 1024;
const NAMES = ['a.bin', 'b.bin', 'c.bin'];

test('three files at once arrive exact, then a second leecher gets them from three owners', {
  timeout: 60_000,
}, async () => {
  const seed = 701;
  const swarm = await Swarm.start();
  try {
    const expected = new Map<string, string>();
    for (const [index, name] of NAMES.entries()) {
      for (const id of [1, 2]) {
        const path = join(await swarm.folderFor(id), name);
        expected.set(
          name,
          await writeRandomFile(path, (6 + index) * MiB + index * 333, seed + index),
        );
      }
    }
    for (const id of [1, 2]) {
      const owner = await swarm.addNode({ nodeId: id });
      for (const name of NAMES) assert.deepEqual(await owner.node.seed(name), { ok: true });
    }
    const first = await swarm.addNode({ nodeId: 5 });
    const second = await swarm.addNode({ nodeId: 6 });
    for (const leecher of [first, second]) {
      for (const name of NAMES) assert.deepEqual(leecher.node.download(name), { ok: true });
      const downloads = await withTimeout(
        leecher.node.whenDownloadsSettled(),
        `node ${leecher.nodeId}'s downloads`,
        30_000,
      );
      for (const download of downloads) {
        const context = `(seed ${seed}, node ${leecher.nodeId}, ${download.name}; ${describeOwners(download)})`;
        assert.equal(download.state, 'done', `${download.reason} ${context}`);
        assert.equal(
          await sha256File(join(leecher.folder, download.name)),
          expected.get(download.name),
          `SHA-256 ${context}`,
        );
        if (leecher === second) {
          assert.deepEqual(
            download.owners.map((owner) => owner.nodeId).sort((a, b) => a - b),
            [1, 2, 5],
            `the first leecher is an owner now ${context}`,
          );
        }
      }
      assert.equal(leecher.node.budget.inFlightBlocks, 0, `budget released (seed ${seed})`);
    }
  } finally {
    await swarm.close();
  }
});

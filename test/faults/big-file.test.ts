/**
 * Issue 7's transport list at its stated size: a 64 MiB file from three owners through each
 * fault on every socket, both ways (tracker traffic included): 5 % loss, 20 % duplication,
 * reordering by up to 300 ms, bit corruption. The file must be byte-identical; what the faults
 * cost is reported as retransmitted blocks.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FaultProfile } from '../../source/net/faulty-transport.ts';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { describeOwners, downloadAndSettle, finalRow, Swarm } from '../peer/harness/swarm.ts';

const NAME = 'big-faulty.bin';
const FILE_BYTES = 64 * 1024 * 1024;
const OWNER_IDS = [1, 2, 3];

async function downloadThrough(profile: FaultProfile, seed: number): Promise<string> {
  const swarm = await Swarm.start();
  try {
    let expected = '';
    for (const id of OWNER_IDS) {
      expected = await writeRandomFile(join(await swarm.folderFor(id), NAME), FILE_BYTES, seed);
    }
    const faulty = { inbound: profile, outbound: profile };
    for (const id of OWNER_IDS) {
      const owner = await swarm.addNode({ nodeId: id, seed: seed + id, ...faulty });
      assert.deepEqual(
        await owner.node.seed(NAME),
        { ok: true },
        `seed on node ${id} (seed ${seed})`,
      );
    }
    const leecher = await swarm.addNode({ nodeId: 10, seed, ...faulty });
    const download = await downloadAndSettle(leecher, NAME, 120_000);
    const row = await finalRow(leecher, NAME);
    const context = `(seed ${seed}, faults ${JSON.stringify(profile)}, ${row.retransmittedBlocks} blocks retransmitted; ${describeOwners(download)})`;
    assert.equal(download.state, 'done', `state: ${download.reason} ${context}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `SHA-256 ${context}`);
    assert.deepEqual(
      row.owners.map((owner) => owner.strikes),
      [0, 0, 0],
      `no honest owner is struck ${context}`,
    );
    return context;
  } finally {
    await swarm.close();
  }
}

const cases: Array<[string, FaultProfile, number]> = [
  ['5% loss both ways', { loss: 0.05 }, 7001],
  ['20% duplication', { duplicate: 0.2 }, 7002],
  ['reordering by up to 300 ms', { reorder: 0.1, reorderMaxDelayMs: 300 }, 7003],
  ['bit corruption', { corrupt: 0.01 }, 7004],
];

for (const [name, profile, seed] of cases) {
  test(`a 64 MiB file arrives exact through ${name}`, { timeout: 150_000 }, async (t) => {
    const context = await downloadThrough(profile, seed);
    t.diagnostic(context);
  });
}

/**
 * An owner judged slow says why with the rates it has now: its row showed the rates it was
 * judged at (`slow: 41.2 KiB/s while the best owner does 3.9 MiB/s`) beside its live rate, two
 * figures for one owner that drifted apart. Real loopback UDP, two seeders, one on a slow uplink.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatRate } from '../../source/format.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadRow, Swarm, settled } from './harness/swarm.ts';

const MiB = 1024 * 1024;
const NAME = 'uneven.bin';

test('a slow owner row gives its live rate in its reason, the same as beside it', {
  timeout: 60_000,
}, async () => {
  const seed = 3511;
  const swarm = await Swarm.start();
  try {
    let expected = '';
    for (const nodeId of [1, 2])
      expected = await writeRandomFile(join(await swarm.folderFor(nodeId), NAME), 12 * MiB, seed);
    const fast = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 3 * MiB });
    const slow = await swarm.addNode({ nodeId: 2, uplinkBytesPerSec: 160 * 1024 });
    for (const owner of [fast, slow]) assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 9 });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const rows: string[] = [];
    const watch = setInterval(() => {
      const row = downloadRow(leecher, NAME);
      const owner = row?.owners.find((one) => one.nodeId === 2);
      if (row?.state === 'downloading' && owner?.state === 'slow')
        rows.push(`${formatRate(owner.rateBytesPerSec)} | ${owner.reason}`);
    }, 50);
    const done = await settled(leecher, NAME, 45_000).finally(() => clearInterval(watch));
    assert.equal(done.state, 'done', `seed ${seed}: ${done.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
    assert.ok(rows.length >= 10, `seed ${seed}: node 2 slow in ${rows.length} snapshots`);
    const stale = rows.filter((row) => {
      const [rate, reason] = row.split(' | ');
      return !reason!.startsWith(`${rate} while the best owner does `);
    });
    assert.deepEqual(stale, [], `seed ${seed}`);
  } finally {
    await swarm.close();
  }
});

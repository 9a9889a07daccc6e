/**
 * Two downloads of one node share its --download-limit: they take turns at the tokens
 * (TransferTurns), so both move. Before, the one whose DATA had just arrived asked again at once
 * and took every token that came back: on loopback the second download of two from one seeder
 * sat at 0 B/s until the first was done (found by hand at 500 KiB/s). Real UDP on 127.0.0.1;
 * SHA-256 of both files; counts of pieces, never times.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadRow, Swarm, settled } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const MiB = 1024 * 1024;
const NAMES = ['first.bin', 'second.bin'];

test('two downloads under one --download-limit both move: the tokens go in turns', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1 });
    const expected: string[] = [];
    for (const [index, name] of NAMES.entries()) {
      expected.push(await writeRandomFile(join(seeder.folder, name), 4 * MiB, 1601 + index));
      assert.deepEqual(await seeder.node.seed(name), { ok: true });
    }
    // 8 MiB at 2 MiB/s: about 4 s, each file 16 pieces of 256 KiB.
    const leecher = await swarm.addNode({ nodeId: 2, downloadLimitBytesPerSec: 2 * MiB });
    for (const name of NAMES) assert.deepEqual(leecher.node.download(name), { ok: true });
    // The order their pieces were verified in, one letter a piece, as the node's snapshot shows
    // it (rebuilt every 500 ms while downloads run: ~4 pieces at the limit, A's before B's):
    // "AABB..." in turns, long runs of one letter when one starves.
    let order = '';
    const counts = [0, 0];
    await waitFor(
      () => {
        for (const [index, name] of NAMES.entries()) {
          const verified = downloadRow(leecher, name)?.piecesVerified ?? 0;
          for (; counts[index]! < verified; counts[index]!++) order += 'AB'[index];
        }
        return order.length === 32;
      },
      'both downloads to verify every piece',
      30_000,
      10,
    );
    for (const [index, name] of NAMES.entries()) {
      const download = await settled(leecher, name, 30_000);
      assert.equal(download.state, 'done', `${name}: ${download.reason}`);
      assert.equal(await sha256File(join(leecher.folder, name)), expected[index], name);
    }
    const longestRun = Math.max(...(order.match(/A+|B+/g) ?? []).map((run) => run.length));
    // Measured: runs of 3 at most in turns; 8-16 when the tokens went to whoever asked first.
    assert.ok(longestRun <= 5, `pieces verified in the order ${order}`);
  } finally {
    await swarm.close();
  }
});

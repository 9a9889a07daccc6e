/**
 * The rates a person reads while a download starts. The download's rate and each owner's were
 * sampled every 500 ms and the header's once a second, so a download already at 4 MiB/s showed
 * `0 B/s` beside its first megabyte, each owner `0 B/s active`, and the header `↓ idle` for up
 * to two seconds. Real loopback UDP, SHA-256 of the file; what the snapshot says, never times.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadRow, Swarm, settled } from './harness/swarm.ts';

const MiB = 1024 * 1024;
const NAME = 'starting.bin';

test('a starting download shows its rate, its owners theirs, and the header a rate', {
  timeout: 60_000,
}, async () => {
  const seed = 2203;
  const swarm = await Swarm.start();
  try {
    const expected = await writeRandomFile(join(await swarm.folderFor(1), NAME), 12 * MiB, seed);
    const owner = await swarm.addNode({ nodeId: 1, uploadLimitBytesPerSec: 4 * MiB });
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 2 });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    // The first snapshot with 1.5 MiB verified, and the first with a quarter of the file. The
    // owner's bucket lets at most ~0.65 MiB out at once (0.1 s of its rate and one run), so 1.5
    // MiB takes 0.2-0.4 s: after the 0.15 s a rate needs, before the first sample at 0.5 s.
    let firstMegabyte: { rate: number; ownerRates: number[] } | null = null;
    let headerAtQuarter: number | null = null;
    const watch = setInterval(() => {
      const snapshot = leecher.node.getSnapshot();
      const row = downloadRow(leecher, NAME);
      if (row === undefined || row.state !== 'downloading') return;
      if (firstMegabyte === null && row.bytesVerified >= 1.5 * MiB)
        firstMegabyte = {
          rate: row.rateBytesPerSec,
          ownerRates: row.owners.map((o) => o.rateBytesPerSec),
        };
      if (headerAtQuarter === null && row.bytesVerified >= row.sizeBytes / 4)
        headerAtQuarter = snapshot.downloadRateBytesPerSec;
    }, 5);
    const download = await settled(leecher, NAME, 45_000).finally(() => clearInterval(watch));
    assert.equal(download.state, 'done', `seed ${seed}: ${download.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
    const seen = JSON.stringify({ firstMegabyte, headerAtQuarter });
    assert.ok(firstMegabyte !== null && headerAtQuarter !== null, seen);
    const { rate, ownerRates } = firstMegabyte as { rate: number; ownerRates: number[] };
    assert.ok(rate > 0, `the download's rate beside its first 1.5 MiB: ${seen}`);
    assert.deepEqual(
      ownerRates.map((r) => r > 0),
      [true],
      `the owner's rate beside the first 1.5 MiB it sent: ${seen}`,
    );
    assert.ok((headerAtQuarter as number) > 0, `the header beside a quarter of the file: ${seen}`);
  } finally {
    await swarm.close();
  }
});

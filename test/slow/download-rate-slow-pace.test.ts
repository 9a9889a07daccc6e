/**
 * Slow (~12 s; `npm run test:slow`): the rate a person reads beside a download held to a tiny
 * limit, real loopback UDP, one seeder; the file's SHA-256. The window's arithmetic is
 * `test/peer/download/rate-window.test.ts`'s, in `npm test`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { downloadRow, Swarm, settled } from '../peer/harness/swarm.ts';

const KiB = 1024;
const NAME = 'held.bin';

/**
 * Held to a limit of a block a second, a download read a decaying average sampled twice a
 * second: a block's sample read twice the limit, the next a third less (at `:down
 * 1K`, 16 KiB blocks, `407 B/s ETA 1d21h`, then `1 B/s ETA 525d20h`; found by a session). Now the
 * rate is measured over the last few blocks: the limit, whenever it is read.
 */
test('a download held to a block a second shows the limit between its blocks too', {
  timeout: 60_000,
}, async () => {
  const seed = 3302;
  const block = 4 * KiB;
  const limit = 4 * KiB;
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1 });
    const expected = await writeRandomFile(join(seeder.folder, NAME), 48 * KiB, seed);
    assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({
      nodeId: 2,
      blockSizeBytes: block,
      downloadLimitBytesPerSec: limit,
    });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const startedMs = performance.now();
    const seen: {
      atSec: number;
      download: number;
      owner: number;
      header: number;
      stalledSec: number;
    }[] = [];
    const watch = setInterval(() => {
      const row = downloadRow(leecher, NAME);
      if (row?.state !== 'downloading') return;
      seen.push({
        atSec: Math.round((performance.now() - startedMs) / 100) / 10,
        download: Math.round(row.rateBytesPerSec),
        owner: Math.round(row.owners[0]?.rateBytesPerSec ?? -1),
        header: Math.round(leecher.node.getSnapshot().downloadRateBytesPerSec),
        stalledSec: row.stalledSec,
      });
    }, 250);
    const download = await settled(leecher, NAME, 45_000).finally(() => clearInterval(watch));
    assert.equal(download.state, 'done', `seed ${seed}: ${download.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
    // The bucket's first burst (four blocks at once) is out of the window after 5 s.
    const steady = seen.filter((reading) => reading.atSec >= 5);
    const said = `seed ${seed}: ${JSON.stringify(seen)}`;
    assert.ok(steady.length >= 8, said);
    for (const reading of steady) {
      for (const rate of [reading.download, reading.owner])
        assert.ok(Math.abs(rate - limit) <= limit * 0.15, said);
    }
    assert.ok(
      seen.every((reading) => reading.stalledSec === 0),
      said,
    );
    // Never over the limit: a burst its bucket let through read 4x it (the start's four blocks
    // at once) in the row and up to 13x in the header (found by a session).
    for (const reading of seen)
      for (const rate of [reading.download, reading.owner, reading.header])
        assert.ok(rate <= limit, said);
  } finally {
    await swarm.close();
  }
});

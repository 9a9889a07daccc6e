/**
 * The rate a person reads beside a slow download says how fast it goes. Held to 200 KiB/s, the
 * download asked for runs of eight blocks every 0.64 s, which came back as bursts, and its rate
 * counted verified 256 KiB pieces per half-second sample (one every 1.3 s): the header read 128
 * or 256 KiB/s, the download 140–241 (and the ETA with it). Now a run is what the limit lets in
 * 200 ms, and the rate counts blocks delivered over the time that passed. Real loopback UDP, one
 * seeder; the SHA-256 of the file; what the snapshot says, sampled every 100 ms.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadRow, Swarm, settled } from './harness/swarm.ts';

const KiB = 1024;
const NAME = 'held.bin';
const LIMIT = 200 * KiB;
const PIECE_BYTES = 256 * KiB;
/** The limit, give or take this share, once the first piece is in (the bucket's burst is out). */
const TOLERANCE = 0.25;
/**
 * At most this share of the snapshots may read outside it: a second in which the test process
 * (seeder and leecher both) stalled reads low. Before, half the header's seconds read 128 KiB/s.
 */
const OUTSIDE_AT_MOST = 0.2;

test('a download held to 200 KiB/s shows about 200 KiB/s, piece after piece', {
  timeout: 60_000,
}, async () => {
  const seed = 3301;
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1 });
    const expected = await writeRandomFile(join(seeder.folder, NAME), 2048 * KiB, seed);
    assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({
      nodeId: 2,
      blockSizeBytes: 16 * KiB,
      downloadLimitBytesPerSec: LIMIT,
    });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const rates: { verified: number; download: number; header: number }[] = [];
    const watch = setInterval(() => {
      const row = downloadRow(leecher, NAME);
      if (row?.state !== 'downloading') return;
      // From the second piece to the second-last: the start's burst and the end's tail aside.
      if (row.bytesVerified < PIECE_BYTES || row.bytesVerified > row.sizeBytes - 2 * PIECE_BYTES)
        return;
      rates.push({
        verified: row.bytesVerified / PIECE_BYTES,
        download: Math.round(row.rateBytesPerSec / KiB),
        header: Math.round(leecher.node.getSnapshot().downloadRateBytesPerSec / KiB),
      });
    }, 100);
    const download = await settled(leecher, NAME, 45_000).finally(() => clearInterval(watch));
    assert.equal(download.state, 'done', `seed ${seed}: ${download.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
    // Six pieces at 1.3 s each: dozens of snapshots.
    assert.ok(rates.length >= 20, `seed ${seed}: ${JSON.stringify(rates)}`);
    const low = (LIMIT * (1 - TOLERANCE)) / KiB;
    const high = (LIMIT * (1 + TOLERANCE)) / KiB;
    for (const kind of ['download', 'header'] as const) {
      const outside = rates.filter((rate) => rate[kind] < low || rate[kind] > high).length;
      assert.ok(
        outside <= rates.length * OUTSIDE_AT_MOST,
        `seed ${seed}: the ${kind} rate outside ${low}-${high} KiB/s in ${outside} of ${rates.length} snapshots: ${rates.map((rate) => rate[kind]).join(' ')}`,
      );
    }
  } finally {
    await swarm.close();
  }
});

/**
 * A download's percentage and ETA count the blocks it holds of pieces not verified yet, not
 * only verified pieces: a one-piece file at an owner held to `--upload-limit 2K` read `0.0%`
 * and the same `ETA 1m04s` for a minute (found by a session). Real loopback UDP, one seeder held
 * to 16 KiB/s, 4 KiB blocks; the file's SHA-256.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PIECE_IN_FLIGHT } from '../../source/peer/download/download-snapshot.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadRow, Swarm, settled } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const KiB = 1024;
const NAME = 'one-piece.bin';
const SIZE = 64 * KiB;

test('a piece half received counts in the percentage and the ETA before it is verified', {
  timeout: 60_000,
}, async () => {
  const seed = 3601;
  const swarm = await Swarm.start();
  try {
    const owner = await swarm.addNode({ nodeId: 1, uploadLimitBytesPerSec: 16 * KiB });
    const expected = await writeRandomFile(join(owner.folder, NAME), SIZE, seed);
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 2, blockSizeBytes: 4 * KiB });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const row = () => downloadRow(leecher, NAME);
    // The row that met the condition is the one checked: read again, it could be done.
    let seen: ReturnType<typeof row>;
    await waitFor(
      () => {
        const now = row();
        if (now === undefined || now.bytesHeld < 16 * KiB || now.etaSec === null) return false;
        seen = now;
        return true;
      },
      () => `blocks held, a rate known (seed ${seed}): ${JSON.stringify(row()?.bytesHeld)}`,
      20_000,
    );
    assert.ok(seen !== undefined);
    assert.equal(seen.state, 'downloading');
    assert.equal(seen.pieceCount, 1);
    assert.equal(seen.piecesVerified, 0);
    assert.equal(seen.bytesVerified, 0);
    assert.ok(seen.bytesHeld < SIZE, `${seen.bytesHeld}`);
    // What is left, not the whole file, over the rate.
    assert.equal(seen.etaSec, Math.ceil((SIZE - seen.bytesHeld) / seen.rateBytesPerSec));
    const done = await settled(leecher, NAME, 30_000);
    assert.equal(done.state, 'done', `seed ${seed}: ${done.reason}`);
    assert.equal(row()?.bytesHeld, SIZE);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
  } finally {
    await swarm.close();
  }
});

// Under `:down 300K` a piece half received read `0/4 pieces`, `map ····`, `▒ 0 in flight` at
// 20 % (found by a session): between two paced requests nothing is asked of anyone.
test('under a download limit a piece begun is drawn in flight between its requests', {
  timeout: 60_000,
}, async () => {
  const seed = 3602;
  const swarm = await Swarm.start();
  try {
    const owner = await swarm.addNode({ nodeId: 1 });
    const expected = await writeRandomFile(join(owner.folder, NAME), SIZE, seed);
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({
      nodeId: 2,
      blockSizeBytes: 4 * KiB,
      downloadLimitBytesPerSec: 16 * KiB,
    });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const row = () => downloadRow(leecher, NAME);
    // Every snapshot while blocks of the one piece are held: the piece is in flight.
    let checked = 0;
    const drawnMissing: string[] = [];
    await waitFor(
      () => {
        const now = row();
        if (now?.state === 'done') return true;
        if (now?.state === 'downloading' && now.bytesHeld > 0 && now.stalledSec === 0) {
          checked++;
          if (now.pieceSources[0] !== PIECE_IN_FLIGHT)
            drawnMissing.push(`${now.bytesHeld} B held: ${now.pieceSources[0]}`);
        }
        return false;
      },
      () => `the download done (seed ${seed}): ${row()?.state}`,
      30_000,
    );
    assert.ok(checked >= 10, `seed ${seed}: ${checked} snapshots checked`);
    assert.deepEqual(drawnMissing, [], `seed ${seed}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
  } finally {
    await swarm.close();
  }
});

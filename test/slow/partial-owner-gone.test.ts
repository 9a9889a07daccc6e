/**
 * Slow (~35 s): a partial owner that holds nothing a download lacks is asked only for its
 * BITFIELD, every 10 s. Gone (killed, or a firewall on its machine), it read `0 B/s active` for
 * as long as the tracker listed it (35-50 s by hand; for good behind a firewall that lets its
 * heartbeats through), since the silence rule judges only owners with requests out (found by a
 * session). Its BITFIELD unanswered through a request's patience, it is dead now. Real loopback
 * UDP, the fault wrapper's partition; the file's SHA-256. Run by `npm run test:slow`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { downloadRow, Swarm, settled } from '../peer/harness/swarm.ts';
import { waitFor } from '../peer/harness/wait.ts';

const KiB = 1024;
const NAME = 'behind.bin';

test('a partial owner with nothing new that stops answering is found dead by its BITFIELD', {
  timeout: 90_000,
}, async () => {
  const seed = 3719;
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 192 * KiB });
    const expected = await writeRandomFile(join(seeder.folder, NAME), 8192 * KiB, seed);
    assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
    const partial = await swarm.addNode({ nodeId: 2 });
    assert.deepEqual(partial.node.download(NAME), { ok: true });
    await waitFor(
      () => downloadRow(partial, NAME)?.partialOwner === true,
      'the partial owner listed',
      20_000,
    );
    // Paused, it serves what it has and gets no more: soon the leecher lacks nothing it holds.
    partial.node.togglePause(NAME);
    await waitFor(() => downloadRow(partial, NAME)?.state === 'paused', 'paused', 5_000);
    const held = downloadRow(partial, NAME)!.pieceSources.filter((source) => source !== -1);
    const leecher = await swarm.addNode({ nodeId: 3 });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const ownerRow = () =>
      downloadRow(leecher, NAME)?.owners.find((owner) => owner.nodeId === 2) ?? null;
    await waitFor(
      () => (ownerRow()?.piecesHave ?? 0) === held.length,
      `node 2's ${held.length} pieces known to the leecher`,
      20_000,
    );
    // Long enough for the leecher to take every piece node 2 has (from it or the seeder).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const tracker = swarm.trackerAddress;
    partial.faults.partition(
      (peer) => peer.port !== tracker.port || peer.address !== tracker.address,
    );
    const goneAt = Date.now();
    // The next BITFIELD (within 10 s) unanswered through its patience (11.5 s).
    await waitFor(() => ownerRow()?.state === 'dead', 'node 2 found dead', 30_000);
    const row = ownerRow()!;
    assert.equal(row.reason, 'no answer to BITFIELD', `seed ${seed}`);
    assert.ok(Date.now() - goneAt <= 25_000, `seed ${seed}`);
    const done = await settled(leecher, NAME, 60_000);
    assert.equal(done.state, 'done', `seed ${seed}: ${done.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
  } finally {
    await swarm.close();
  }
});

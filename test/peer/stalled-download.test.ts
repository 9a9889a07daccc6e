/**
 * A download whose owners have nothing for it is stalled, not slow: its rate was an average that
 * decayed for as long, and its ETA read 76 days; and the pieces it had begun from a seeder gone
 * quiet read as in flight (found by a session). Real loopback UDP, the seeder behind the fault
 * wrapper's partition; the file's SHA-256 once healed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PIECE_IN_FLIGHT } from '../../source/peer/download/download-snapshot.ts';
import { downloadStatus } from '../../source/ui/peer/DownloadBlock.tsx';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadRow, Swarm, settled } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const KiB = 1024;
const NAME = 'quiet.bin';

test('a download whose only live owner has nothing new says stalled, with no rate and no ETA', {
  timeout: 60_000,
}, async () => {
  const seed = 3407;
  const swarm = await Swarm.start();
  try {
    // On a slow uplink, so that the leecher has pieces begun from it when it goes quiet.
    const seeder = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 1024 * KiB });
    const expected = await writeRandomFile(join(seeder.folder, NAME), 2048 * KiB, seed);
    assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
    // A partial owner, held to a limit so that it is still partial when the seeder goes quiet.
    const partial = await swarm.addNode({ nodeId: 2, downloadLimitBytesPerSec: 512 * KiB });
    assert.deepEqual(partial.node.download(NAME), { ok: true });
    await waitFor(
      () => downloadRow(partial, NAME)?.partialOwner === true,
      'the partial owner listed',
      20_000,
    );
    const leecher = await swarm.addNode({ nodeId: 3 });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    await waitFor(
      () => {
        const row = downloadRow(leecher, NAME);
        const partialRow = row?.owners.find((owner) => owner.nodeId === 2);
        return (row?.piecesVerified ?? 0) >= 2 && (partialRow?.piecesHave ?? 0) > 0;
      },
      'two pieces in, and the partial owner met',
      20_000,
    );
    // The seeder answers its tracker and nobody else (a firewall, or a machine gone deaf).
    const tracker = swarm.trackerAddress;
    seeder.faults.partition(
      (peer) => peer.port !== tracker.port || peer.address !== tracker.address,
    );
    const seen: string[] = [];
    await waitFor(
      () => {
        const row = downloadRow(leecher, NAME);
        if (!row) return false;
        seen.push(
          `${row.state} ${row.piecesVerified} pieces ${Math.round(row.rateBytesPerSec)} B/s eta ${row.etaSec} stalled ${row.stalledSec}`,
        );
        return row.stalledSec >= 5 || (row.state !== 'downloading' && row.piecesVerified > 0);
      },
      'the download stalled',
      30_000,
    );
    const row = downloadRow(leecher, NAME)!;
    const trail = `seed ${seed}: ${seen.slice(-20).join('\n')}`;
    assert.equal(row.state, 'downloading', trail);
    assert.ok(row.piecesVerified > 0 && row.piecesVerified < 8, trail);
    assert.equal(row.rateBytesPerSec, 0, trail);
    assert.equal(row.etaSec, null, trail);
    assert.ok(
      row.owners.every((owner) => owner.rateBytesPerSec === 0),
      trail,
    );
    assert.match(downloadStatus(row), /^ downloading · \d+\/8 pieces stalled [56]s$/);
    // Pieces begun are asked of nobody: none is in flight (the map said `▒ 1 in flight`).
    assert.ok(!row.pieceSources.includes(PIECE_IN_FLIGHT), `${trail}\n${row.pieceSources}`);
    seeder.faults.heal();
    const done = await settled(leecher, NAME, 40_000);
    assert.equal(done.state, 'done', `seed ${seed}: ${done.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
  } finally {
    await swarm.close();
  }
});

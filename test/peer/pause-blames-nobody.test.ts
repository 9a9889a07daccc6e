/**
 * A pause is this node's doing: its owners are not blamed for it. An owner was last heard before
 * the pause: the first housekeeping after `p` resumed found the requests sent at resume
 * unanswered and the owner `silent for 6.4 s`, dead, where its first answer took longer than
 * that housekeeping (found by a session). Real loopback UDP; the file's SHA-256 at the end.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadRow, Swarm, settled } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const KiB = 1024;
const NAME = 'held.bin';

test('paused for longer than an owner may be silent, then resumed: the owner is not dead', {
  timeout: 60_000,
}, async () => {
  const seed = 3613;
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1 });
    const expected = await writeRandomFile(join(seeder.folder, NAME), 1024 * KiB, seed);
    assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 2, downloadLimitBytesPerSec: 512 * KiB });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    await waitFor(
      () => (downloadRow(leecher, NAME)?.piecesVerified ?? 0) >= 1,
      'a piece in',
      20_000,
    );
    leecher.node.togglePause(NAME);
    await waitFor(() => downloadRow(leecher, NAME)?.state === 'paused', 'paused', 5_000);
    // Longer than the owners' silence timeout (3 s), as a person reading the screen pauses.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    // Its first answer after the pause takes a while (a busy owner; here, the fault wrapper):
    // the housekeeping meanwhile judges the requests sent at resume.
    const tracker = swarm.trackerAddress;
    seeder.faults.partition(
      (peer) => peer.port !== tracker.port || peer.address !== tracker.address,
    );
    leecher.node.togglePause(NAME);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    seeder.faults.heal();
    const done = await settled(leecher, NAME, 30_000);
    assert.equal(done.state, 'done', `seed ${seed}: ${done.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
    assert.deepEqual(
      leecher.lines.filter((line) => / is dead | is slow /.test(line)),
      [],
      `seed ${seed}`,
    );
  } finally {
    await swarm.close();
  }
});

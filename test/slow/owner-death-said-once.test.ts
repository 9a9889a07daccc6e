/**
 * Slow (~20 s): an owner that falls silent mid-download is said dead once; its probe failing
 * another way is said as that, not as a second death (`is dead (silent for 3.2 s)` and, 12 s
 * later, `is dead (no answer to HELLO)` read as two deaths; found by a session). Real loopback
 * UDP, the fault wrapper's partition; the file's SHA-256 once healed. Run by `npm run test:slow`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { withoutTime } from '../peer/harness/log-lines.ts';
import { downloadRow, Swarm, settled } from '../peer/harness/swarm.ts';
import { waitFor } from '../peer/harness/wait.ts';

const KiB = 1024;
const NAME = 'fallen.bin';

test('an owner silent mid-download is dead once; its unanswered probe is `still dead`', {
  timeout: 90_000,
}, async () => {
  const seed = 3821;
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 512 * KiB });
    const expected = await writeRandomFile(join(seeder.folder, NAME), 4096 * KiB, seed);
    assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 2 });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    await waitFor(
      () => (downloadRow(leecher, NAME)?.piecesVerified ?? 0) >= 2,
      'two pieces in',
      20_000,
    );
    const tracker = swarm.trackerAddress;
    seeder.faults.partition(
      (peer) => peer.port !== tracker.port || peer.address !== tracker.address,
    );
    const said = () =>
      leecher.lines.map(withoutTime).filter((line) => line.startsWith(`${NAME}: node 1 is`));
    // Silent with requests out (3 s), then its first probe's HELLO unanswered (1 s + 11.5 s).
    await waitFor(() => said().length >= 2, 'the probe failing said', 30_000);
    assert.deepEqual(said(), [
      `${NAME}: node 1 is dead (silent for ${said()[0]!.match(/silent for ([\d.]+) s/)?.[1]} s); its pieces go back to the pool`,
      `${NAME}: node 1 is still dead (no answer to HELLO)`,
    ]);
    seeder.faults.heal();
    const done = await settled(leecher, NAME, 60_000);
    assert.equal(done.state, 'done', `seed ${seed}: ${done.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
  } finally {
    await swarm.close();
  }
});

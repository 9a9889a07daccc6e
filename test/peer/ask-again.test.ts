/**
 * `r` in the peer view: a download short of owners asks the tracker again at once, instead of
 * when its back-off says. The same for a download waiting for owners, which waits out a long
 * back-off first, is in test/slow/ask-again-waiting.test.ts (`npm run test:slow`).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { describeOwners, downloadRow, Swarm, settled, startSeeders } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const MiB = 1024 * 1024;
const NAME = 'again.bin';
const LEECHER_ID = 10;

test('asked again, a download short of owners meets a seeder started since at once', {
  timeout: 60_000,
}, async () => {
  const seed = 413;
  const swarm = await Swarm.start();
  try {
    // Two seeders' folders hold the file; only the first seeds it at the start.
    const { seeders, expected } = await startSeeders(swarm, {
      name: NAME,
      sizeBytes: 8 * MiB,
      seed,
      count: 1,
    });
    const second = await swarm.addNode({ nodeId: 2 });
    await writeRandomFile(join(second.folder, NAME), 8 * MiB, seed);
    // 1 MiB/s: 8 s. With every owner met, the download asks for more at ~0.25, 0.75, 1.75, 3.75
    // and 7.75 s; the second seeder starts at ~4 s, and unasked would be met at ~7.75 s.
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID, downloadLimitBytesPerSec: MiB });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    await sleep(4_000);
    assert.deepEqual(await second.node.seed(NAME), { ok: true });
    const metBefore = downloadRow(leecher, NAME)?.owners.map((owner) => owner.nodeId) ?? [];
    assert.deepEqual(metBefore, [seeders[0]!.nodeId], 'one owner before');
    assert.equal(leecher.node.askAgainForOwners(), 1, 'the download asked');
    await waitFor(
      () => downloadRow(leecher, NAME)?.owners.some((owner) => owner.nodeId === 2) === true,
      `the download to meet the second seeder within 1.5 s (seed ${seed})`,
      1_500,
    );
    assert.ok(
      leecher.lines.some((line) =>
        line.endsWith(`${NAME}: asking the tracker again for more owners`),
      ),
      leecher.lines.slice(-10).join('\n'),
    );
    // The limit only kept the download going until then: the rest at full speed.
    leecher.node.setDownloadLimit(0);
    const download = await settled(leecher, NAME, 30_000);
    assert.equal(download.state, 'done', `${download.reason} (${describeOwners(download)})`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected);
  } finally {
    await swarm.close();
  }
});

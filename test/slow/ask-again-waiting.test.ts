/**
 * `r` in the peer view while a download waits for owners: it asks the tracker again at once,
 * instead of when its back-off (1, 2, 4, 8 ... up to 30 s) says. Found by hand: a seeder
 * restarted after a crash was found 9 s after it was back. Slow (~22 s: it waits out the back-off
 * to a long gap); the same call for a download short of owners is in test/peer/ask-again.test.ts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256File } from '../peer/harness/files.ts';
import {
  describeOwners,
  downloadRow,
  Swarm,
  settled,
  startSeeders,
} from '../peer/harness/swarm.ts';
import { waitFor } from '../peer/harness/wait.ts';

const MiB = 1024 * 1024;
const NAME = 'again.bin';
const LEECHER_ID = 10;
/**
 * Waiting, the download asks at ~1, 3, 7, 15 and 31 s (the back-off doubles, 30 s at most). The
 * wait below ends ~1 s after the seeder was seen dead and dropped, so it asks at ~17 s, between
 * the fourth and fifth: unless it is asked for now, the restarted seeder is found ~14 s later.
 */
const WAITED_MS = 16_000;
const FOUND_WITHIN_MS = 4_000;

test('asked again, a download waiting for owners finds a restarted seeder at once', {
  timeout: 60_000,
}, async () => {
  const seed = 412;
  const swarm = await Swarm.start();
  try {
    const { seeders, expected } = await startSeeders(swarm, {
      name: NAME,
      sizeBytes: 8 * MiB,
      seed,
      count: 1,
    });
    const seeder = seeders[0]!;
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
    assert.equal(leecher.node.askAgainForOwners(), 0, 'nothing waits: nothing asked');
    leecher.tripwire.arm(1 * MiB, () => seeder.faults.partition(() => true));
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    await waitFor(
      () =>
        downloadRow(leecher, NAME)?.state === 'waiting-for-owners' &&
        swarm.trackerLines.some((line) => line.includes('dropped node 1 ')),
      `the download to wait and the tracker to drop the seeder (seed ${seed})`,
      20_000,
    );
    await sleep(WAITED_MS);
    assert.equal(downloadRow(leecher, NAME)?.state, 'waiting-for-owners', `seed ${seed}`);
    // The crashed process is gone; a new one seeds the same file on a new port.
    await seeder.exit();
    const restarted = await swarm.addNode({ nodeId: 1 });
    assert.deepEqual(await restarted.node.seed(NAME), { ok: true });

    const askedAtMs = performance.now();
    assert.equal(leecher.node.askAgainForOwners(), 1);
    const download = await settled(leecher, NAME, FOUND_WITHIN_MS);
    const context = `(seed ${seed}; ${describeOwners(download)}; ${Math.round(performance.now() - askedAtMs)} ms after asking)`;
    assert.equal(download.state, 'done', `state: ${download.reason} ${context}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `SHA-256 ${context}`);
    assert.ok(
      leecher.lines.some((line) => line.endsWith(`${NAME}: asking the tracker again for owners`)),
      context,
    );
  } finally {
    await swarm.close();
  }
});

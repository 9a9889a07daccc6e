/**
 * Slow (~18 s): an owner alive that no longer serves the file (its seed stopped) answers every
 * probe's HELLO; a download that may give up (`--exit-when-done`: 60 s; here 16 s, longer than
 * the longest wait between probes, 15 s) gives up on it as on a silent owner. Until 2026-12-07
 * each answered probe set the give-up clock back, and it waited for good (found by a session).
 * Run by `npm run test:slow`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeRandomFile } from '../peer/harness/files.ts';
import { describeOwners, downloadAndSettle, Swarm } from '../peer/harness/swarm.ts';

const MiB = 1024 * 1024;
const NAME = 'shared.bin';
const LEECHER_ID = 10;

test('an owner alive that no longer serves the file is no owner: a download that may give up does', {
  timeout: 60_000,
}, async () => {
  const seed = 304;
  const swarm = await Swarm.start();
  try {
    await writeRandomFile(join(await swarm.folderFor(1), NAME), 8 * MiB, seed);
    const owner = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 2 * MiB });
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    // Longer than the longest wait between probes of a dead owner (15 s): each probe's HELLO
    // was answered, and until 2026-12-07 each answer set the give-up clock back, for good.
    const giveUpMs = 16_000;
    const leecher = await swarm.addNode({
      nodeId: LEECHER_ID + 1,
      giveUpWithoutOwnersMs: giveUpMs,
    });
    let stopped: Promise<unknown> | null = null;
    leecher.tripwire.arm(1 * MiB, () => {
      stopped = owner.node.unseed(NAME);
    });
    const download = await downloadAndSettle(leecher, NAME, 50_000);
    await stopped;
    const context = `(seed ${seed}; ${describeOwners(download)})`;
    assert.equal(download.state, 'failed', context);
    assert.match(download.reason, /^no owners left \(waited 16 s/, context);
  } finally {
    await swarm.close();
  }
});

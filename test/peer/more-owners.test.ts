/**
 * A download meets every owner the tracker knows as soon as it can: while each answer (K = 3
 * owners) brings new ones and the tracker counts more than were met, the next K are asked for
 * at once, not a timer later. In a flash crowd each owner met early is one more uplink serving
 * the crowd (on the LAN testbed, asked every 500 ms, a leecher met the others three per half
 * second at best, and the links ran near their rate only from ~2.3 s). The leecher's clock never fires a timer of 250 ms or more here (every periodic
 * search for owners, and housekeeping), so only the chained asks can meet the owners after the
 * first three. Real loopback UDP; counts, never times.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Clock, systemClock, type TimerHandle } from '../../source/clock.ts';
import { writeRandomFile } from './harness/files.ts';
import { Swarm } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const MiB = 1024 * 1024;
const NAME = 'many.bin';
const OWNER_IDS = [1, 2, 3, 4, 5, 6, 7];

/** The system's clock, but a timer of `heldFromMs` or more never fires. */
function clockHolding(heldFromMs: number): Clock {
  const held: TimerHandle = { refresh: () => {}, unref: () => {} };
  return {
    now: systemClock.now,
    wallNow: systemClock.wallNow,
    setTimeout: (callback, delayMs) =>
      delayMs >= heldFromMs ? held : systemClock.setTimeout(callback, delayMs),
    clearTimeout: (handle) => {
      if (handle !== held) systemClock.clearTimeout(handle);
    },
  };
}

test('a download asks for the next owners at once while the tracker knows more than it met', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    for (const nodeId of OWNER_IDS) {
      await writeRandomFile(join(await swarm.folderFor(nodeId), NAME), 4 * MiB, 77);
      // Slow owners: the download is still running when the owners have all been met.
      const owner = await swarm.addNode({ nodeId, uploadLimitBytesPerSec: 64 * 1024 });
      assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    }
    const leecher = await swarm.addNode({ nodeId: 20, clock: clockHolding(250) });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const met = () => leecher.node.getSnapshot().downloads[0]?.owners.map((o) => o.nodeId) ?? [];
    // Told at the end (waitFor's own message is written before the wait).
    await waitFor(() => met().length === OWNER_IDS.length, 'every owner met').catch(() => {});
    const lines = leecher.lines.filter((line) => line.includes('owner node')).join('\n');
    assert.deepEqual(
      met().sort((a, b) => a - b),
      OWNER_IDS,
      lines,
    );
  } finally {
    await swarm.close();
  }
});

/**
 * A download that has met every owner the tracker knows, and has fewer than --max-peers, asks
 * again for more after a back-off that doubles from 250 ms to 10 s while answers bring nobody
 * new. Its cap was 2 s: any swarm of under nine nodes asked the tracker every 2 s for as long
 * as a download ran. Real UDP, one seeder, a download held to 200 KiB/s for ~10 s; the delays
 * the leecher's timers were armed with are recorded (only that back-off arms 4 s and 8 s here).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadAndSettle, Swarm } from './harness/swarm.ts';
import { TimerLog } from './harness/timer-log.ts';

const KiB = 1024;

test('with every owner met, the search for more backs off past 2 s', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1 });
    const expected = await writeRandomFile(join(seeder.folder, 'one.bin'), 2048 * KiB, 1701);
    assert.deepEqual(await seeder.node.seed('one.bin'), { ok: true });
    const clock = new TimerLog();
    const leecher = await swarm.addNode({
      nodeId: 2,
      clock,
      downloadLimitBytesPerSec: 200 * KiB,
    });
    const download = await downloadAndSettle(leecher, 'one.bin', 40_000);
    assert.equal(download.state, 'done', download.reason);
    assert.equal(await sha256File(join(leecher.folder, 'one.bin')), expected);
    // 250, 500, 1,000, 2,000, then 4,000 and 8,000 ms (before: 2,000 ms again and again).
    for (const delayMs of [4_000, 8_000])
      assert.ok(
        clock.delays.includes(delayMs),
        `no ${delayMs} ms timer: ${clock.delays.join(' ')}`,
      );
  } finally {
    await swarm.close();
  }
});

/**
 * A download's upkeep costs in proportion to its bytes, not to its time. Held to a
 * --download-limit, the download's timer ticks about once per eight blocks' time at the limit
 * (128 ms at 1000 KiB/s: every 100 ms, the longest divisor of the node's 100 ms grid under it),
 * not every 20 ms as an unlimited one does: at 500 KiB/s the 20 ms tick was most of the CPU the
 * download cost. On loopback nothing it receives is fragmented, so it never reads the host's
 * fragment queues. Real UDP, one seeder.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadAndSettle, Swarm } from './harness/swarm.ts';
import { TimerLog } from './harness/timer-log.ts';

const KiB = 1024;
const NAME = 'slow.bin';
const LIMIT_BYTES_PER_SEC = 1000 * KiB;
const BLOCK_BYTES = 16 * KiB;

test('a download held to 1000 KiB/s ticks once per eight blocks at the limit, not every 20 ms', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1 });
    const expected = await writeRandomFile(join(seeder.folder, NAME), 2048 * KiB, 3101);
    assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
    const clock = new TimerLog();
    let fragmentReads = 0;
    const leecher = await swarm.addNode({
      nodeId: 2,
      clock,
      blockSizeBytes: BLOCK_BYTES,
      downloadLimitBytesPerSec: LIMIT_BYTES_PER_SEC,
      readFragmentQueues: () => {
        fragmentReads++;
        return null;
      },
    });
    const settled = await downloadAndSettle(leecher, NAME, 50_000);
    assert.equal(settled.state, 'done', settled.reason);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected);
    assert.equal((8 * BLOCK_BYTES * 1000) / LIMIT_BYTES_PER_SEC, 128);
    // About two seconds at the limit: some 20 ticks, each due on the node's 100 ms grid (within
    // the millisecond a delay is rounded to) and 50-150 ms after it was armed; none of 20 ms.
    const ticks = clock.mostArmed;
    const shown = ticks.map(({ delayMs }) => delayMs).join(' ');
    assert.ok(ticks.length >= 10, `${ticks.length} ticks: ${shown}`);
    const offGrid = ticks.filter(({ delayMs, dueMs }) => {
      const fromGrid = Math.abs(dueMs - Math.round(dueMs / 100) * 100);
      return delayMs < 50 || delayMs > 150 || fromGrid > 1;
    });
    assert.deepEqual(offGrid, [], `ticks off the 100 ms grid: ${shown}`);
    // Blocks sized to one frame of the path, or a path whose frames hold them whole (loopback
    // where the addon measures its MTU): nothing arrives fragmented, nothing to read.
    const framed = leecher.node.endpoint.transport.unfragmentedPayloadBytes(seeder.address);
    if (framed !== null) assert.equal(fragmentReads, 0);
    else assert.ok(fragmentReads > 0, 'without a known frame size the queues are read');
  } finally {
    await swarm.close();
  }
});

test('an unlimited download ticks every 20 ms', { timeout: 60_000 }, async () => {
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 2 * 1024 * KiB });
    const expected = await writeRandomFile(join(seeder.folder, NAME), 1024 * KiB, 3102);
    assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
    const clock = new TimerLog();
    const leecher = await swarm.addNode({ nodeId: 2, clock, blockSizeBytes: BLOCK_BYTES });
    const settled = await downloadAndSettle(leecher, NAME, 50_000);
    assert.equal(settled.state, 'done', settled.reason);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected);
    const delays = clock.mostArmed.map(({ delayMs }) => delayMs);
    assert.ok(delays.length >= 10, `${delays.length} ticks`);
    assert.deepEqual(new Set(delays), new Set([20]));
  } finally {
    await swarm.close();
  }
});

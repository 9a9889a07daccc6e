/**
 * The resume record is saved as the bytes come, not as time passes: once 4 MiB more are
 * verified, or 5 s after the first change it does not hold yet. A download held to 500 KiB/s
 * saved it twice a second before, as often as one at 50 MiB/s (issue 15: limited transfers cost
 * in proportion to bytes). Real UDP on 127.0.0.1, one seeder, two leechers at two limits.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadAndSettle, Swarm, type SwarmNode } from './harness/swarm.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Reads `<name>.json` every 20 ms while `running`; the distinct verified sets it held, in order. */
async function watchRecord(leecher: SwarmNode, name: string, running: () => boolean) {
  const path = join(leecher.folder, '.bt-tui', 'downloads', `${name}.json`);
  const seen: string[] = [];
  while (running()) {
    const text = await readFile(path, 'utf8').catch(() => null);
    const verified = text === null ? null : (JSON.parse(text) as { verified: string }).verified;
    if (verified !== null && verified !== seen.at(-1)) seen.push(verified);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return seen;
}

test('a limited download saves its resume record per 4 MiB verified, or 5 s after a change', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1 });
    const fast = await writeRandomFile(join(seeder.folder, 'fast.bin'), 6 * MiB, 1501);
    const slow = await writeRandomFile(join(seeder.folder, 'slow.bin'), 2 * MiB, 1502);
    assert.deepEqual(await seeder.node.seed('fast.bin'), { ok: true });
    assert.deepEqual(await seeder.node.seed('slow.bin'), { ok: true });
    // 4 MiB verified after ~4 s at 1 MiB/s (6 s in all); 2 MiB take 8 s at 256 KiB/s.
    const byBytes = await swarm.addNode({ nodeId: 2, downloadLimitBytesPerSec: MiB });
    const byTime = await swarm.addNode({ nodeId: 3, downloadLimitBytesPerSec: 256 * KiB });
    let running = 2;
    const settle = (leecher: SwarmNode, name: string) =>
      downloadAndSettle(leecher, name, 40_000).finally(() => running--);
    const [fastDone, slowDone, fastSaves, slowSaves] = await Promise.all([
      settle(byBytes, 'fast.bin'),
      settle(byTime, 'slow.bin'),
      watchRecord(byBytes, 'fast.bin', () => running > 0),
      watchRecord(byTime, 'slow.bin', () => running > 0),
    ]);
    assert.equal(fastDone.state, 'done', fastDone.reason);
    assert.equal(slowDone.state, 'done', slowDone.reason);
    assert.equal(await sha256File(join(byBytes.folder, 'fast.bin')), fast);
    assert.equal(await sha256File(join(byTime.folder, 'slow.bin')), slow);
    // Twice a second, each would have seen about a dozen.
    assert.ok(fastSaves.length >= 1 && fastSaves.length <= 2, `1 MiB/s: ${fastSaves.length} saves`);
    // One at ~6 s; a second only if a busy machine stretched the 8 s past 11.
    assert.ok(
      slowSaves.length >= 1 && slowSaves.length <= 2,
      `256 KiB/s: ${slowSaves.length} saves`,
    );
  } finally {
    await swarm.close();
  }
});

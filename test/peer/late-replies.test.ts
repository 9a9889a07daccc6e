/**
 * An owner under `--upload-limit` holds replies in its queue (up to 300 ms), so round trips grow
 * from ~1 ms to its queue's delay within a few windows and the first timeouts fire before the
 * replies come. Those replies are known for what they are (they echo the txid of the request
 * given up on): kept, not thrown away as unsolicited, and the loss they seemed to be is undone,
 * so the node does not pace itself "after losses" that never were. Before this, each such
 * download paced its requests for good (the view said `paced to … after losses`) and dropped
 * 10–25 late blocks as unsolicited. Real loopback UDP, SHA-256 of the file; counts, never times.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { Swarm, settled } from './harness/swarm.ts';

const MiB = 1024 * 1024;
const NAME = 'queued.bin';

test('replies an upload-limited owner queued past the timeout are kept, and pace nothing', {
  timeout: 120_000,
}, async () => {
  const seed = 1701;
  const sizeBytes = 12 * MiB;
  const swarm = await Swarm.start();
  try {
    const expected = await writeRandomFile(join(await swarm.folderFor(1), NAME), sizeBytes, seed);
    const owner = await swarm.addNode({ nodeId: 1, uploadLimitBytesPerSec: 2 * MiB });
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 2 });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    // What a view would show, read as often as it redraws.
    let samples = 0;
    let pacedSamples = 0;
    const watch = setInterval(() => {
      samples++;
      if (leecher.node.getSnapshot().limits.downlinkPacedBytesPerSec > 0) pacedSamples++;
    }, 100);
    const download = await settled(leecher, NAME, 90_000).finally(() => clearInterval(watch));
    const detail = `seed ${seed}:\n${leecher.lines.filter((l) => /paced|transfer/.test(l)).join('\n')}`;
    assert.equal(download.state, 'done', `${detail}\n${download.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, detail);
    // Pacing that late replies undid is never told of: the log said `paced` and `unpaced
    // again` in the same second, five times in a 24 s download from a 4 MiB/s owner.
    assert.equal(leecher.lines.filter((l) => l.includes('requests paced to')).length, 0, detail);
    assert.ok(pacedSamples <= samples / 10, `${detail}\npaced in ${pacedSamples} of ${samples}`);
    const transfer = leecher.lines.find((l) => l.includes(`transfer ${NAME}:`)) ?? '';
    const counts = / (\d+) late blocks? kept.* (\d+) unsolicited/.exec(transfer);
    assert.ok(counts, detail);
    const [late, unsolicited] = [Number(counts[1]), Number(counts[2])];
    // A late reply is unrecognised only if its block was given up on twice before it came.
    assert.ok(unsolicited <= late / 4, detail);
  } finally {
    await swarm.close();
  }
});

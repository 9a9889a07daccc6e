/**
 * Slow (~25 s; `npm run test:slow`): an owner the download asks nothing of for seconds is not
 * dead when it is asked again and its block takes a moment. Real loopback UDP: a seeder held to
 * `--upload-limit 2K` beside an unlimited one, a downloader held to 48 KiB/s; the file's SHA-256.
 * The silence arithmetic is `test/peer/download/owner-session.test.ts`'s, in `npm test`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { Swarm, settled } from '../peer/harness/swarm.ts';

const KiB = 1024;
const NAME = 'shared.bin';

/**
 * Its silence counted from its last DATA: the slow seeder, asked nothing while the fast one
 * carried the download, was `dead (silent for 3.7 s)` 0.4 s after it was asked again, then
 * probed back and dead again (`silent for 5.8 s`), found by a session as `--upload-limit 2K`
 * owners flapping dead and back six times in 40 s.
 */
test('an owner asked nothing for seconds is not dead when asked again', {
  timeout: 90_000,
}, async () => {
  const seed = 3401;
  const swarm = await Swarm.start();
  try {
    const limited = await swarm.addNode({ nodeId: 1, uploadLimitBytesPerSec: 2 * KiB });
    const expected = await writeRandomFile(join(limited.folder, NAME), 1024 * KiB, seed);
    assert.deepEqual(await limited.node.seed(NAME), { ok: true });
    const fast = await swarm.addNode({ nodeId: 3 });
    await writeRandomFile(join(fast.folder, NAME), 1024 * KiB, seed);
    assert.deepEqual(await fast.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 2, downloadLimitBytesPerSec: 48 * KiB });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const download = await settled(leecher, NAME, 80_000);
    assert.equal(download.state, 'done', `seed ${seed}: ${download.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `seed ${seed}`);
    const said = leecher.lines.filter((line) => line.includes(' node 1 ')).join('\n');
    assert.ok(!said.includes(' node 1 is dead'), `seed ${seed}:\n${said}`);
    const sources = leecher.lines.find((line) => line.includes(' sources of shared.bin: '));
    assert.match(sources ?? '', / node 1 \d+\.\d KiB/, `seed ${seed}: ${sources}`);
  } finally {
    await swarm.close();
  }
});

/**
 * A tracker listening on `::` (IPv6, and IPv4 as well: a dual-stack socket) with IPv4 nodes, for
 * real (processes on loopback): the kernel names them `::ffff:127.0.0.1`, which an IPv4 node
 * cannot send to. Found by hand: the tracker handed an IPv4 downloader its owner at
 * `[::ffff:127.0.0.1]:PORT`, every HELLO failed (`sending fails with EINVAL`), and the download
 * waited for owners for good. Now the tracker records and hands out IPv4 nodes as 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killAll, spawnCli } from './harness/cli.ts';
import { makeTempDir, sha256File, writeRandomFile } from './harness/files.ts';

after(killAll);

test('IPv4 nodes of a tracker on `::` are recorded at their IPv4 address and swarm; the file exact', {
  timeout: 60_000,
}, async (t) => {
  const dir = await makeTempDir('dual-stack-tracker');
  try {
    const files = join(dir.path, 'files');
    const logs = join(dir.path, 'logs');
    const db = ['--db', join(dir.path, 'db'), '--logs', logs];
    const tracker = spawnCli(['tracker', '--headless', '--host', '::', '--port', '0', ...db]);
    const listening = await tracker.waitForLine(/listening on|cannot open/);
    if (!listening.includes('listening on')) {
      t.skip(`no IPv6 here: ${listening}`);
      return;
    }
    const port = /\[::\]:(\d+)/.exec(listening)![1];
    const common = ['--headless', '--host', '127.0.0.1', '--tracker', `127.0.0.1:${port}`];
    const folders = ['--files', files, '--logs', logs];
    await mkdir(join(files, 'node1'), { recursive: true });
    const expected = await writeRandomFile(join(files, 'node1', 'a.bin'), 2 * 1024 * 1024, 7301);
    spawnCli(['peer', '--id', '1', '--seed', 'a.bin', ...common, ...folders]);
    // Before: `joined node 1 at [::ffff:127.0.0.1]:PORT`.
    assert.match(await tracker.waitForLine(/joined node 1 /), /joined node 1 at 127\.0\.0\.1:\d+/);
    await tracker.waitForLine(/owns node 1 a\.bin/);

    const leecher = spawnCli([
      ...['peer', '--id', '2', '--download', 'a.bin', '--exit-when-done'],
      ...common,
      ...folders,
    ]);
    // Named with its download: three downloads' owners read alike (found by a session).
    assert.match(
      await leecher.waitForLine(/owner node 1 /),
      / a\.bin: owner node 1 at 127\.0\.0\.1:\d+/,
    );
    assert.deepEqual(await leecher.waitForExit(30_000), { code: 0, signal: null });
    assert.equal(await sha256File(join(files, 'node2', 'a.bin')), expected);
  } finally {
    await killAll();
    await dir.remove();
  }
});

/**
 * A downloading node stopped for seconds (Ctrl+Z, SIGSTOP, its machine asleep), then continued,
 * as a person does it to a view: real processes, real UDP on 127.0.0.1. Its owners kept sending
 * all along; their silence was its own. Before, it came back to `node 1 is dead (silent for
 * 5.1 s)` for every owner, their pieces back in the pool, `waiting for owners`.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killAll, spawnCli, startCliSwarm } from './harness/cli.ts';
import { makeTempDir, sha256File, writeRandomFile } from './harness/files.ts';
import { withoutTime } from './harness/log-lines.ts';

const NAME = 'slow.bin';
const cleanups: Array<() => Promise<void>> = [];

after(async () => {
  await killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('a downloader stopped for 6 s blames no owner for it, registers again, and finishes exact', {
  timeout: 90_000,
}, async () => {
  const dir = await makeTempDir('stopped-node');
  cleanups.push(dir.remove);
  // A 2 s sweep: the tracker drops a node silent for 4 s, so the stopped one must register again
  // by itself; a loaded machine's late heartbeat (every ~2 s) is not dropped.
  const { common, files } = await startCliSwarm(dir.path, ['--sweep', '2']);
  await mkdir(join(files, 'node1'), { recursive: true });
  const expected = await writeRandomFile(join(files, 'node1', NAME), 6 * 1024 * 1024, 31);
  // 1 MiB/s: the download runs ~6 s of transfer, so it is stopped in the middle.
  const seeder = spawnCli(['peer', '--id', '1', '--seed', NAME, '--upload-limit', '1M', ...common]);
  await seeder.waitForLine(/registered with tracker/);
  const leecher = spawnCli([
    'peer',
    '--id',
    '2',
    '--download',
    NAME,
    '--exit-when-done',
    ...common,
  ]);
  await leecher.waitForLine(/slow\.bin: downloading/);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  leecher.signal('SIGSTOP');
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  leecher.signal('SIGCONT');

  const ended = await leecher.waitForExit(60_000);
  const lines = leecher.stdout.map(withoutTime);
  assert.deepEqual({ code: ended.code, stderr: leecher.stderr }, { code: 0, stderr: [] });
  assert.equal(await sha256File(join(files, 'node2', NAME)), expected);
  const away = lines.filter((line) => line.includes('did not run'));
  assert.equal(away.length, 1, lines.join('\n'));
  assert.match(
    away[0]!,
    /^slow\.bin: this node did not run for [5-9](\.\d)? s \(stopped or asleep\); its owners are not blamed$/,
  );
  assert.deepEqual(
    lines.filter((line) => / is dead |every owner is gone/.test(line)),
    [],
    'no owner blamed',
  );
  assert.deepEqual(
    lines.filter((line) => line.includes('register again')),
    ['tracker asked us to register again (it restarted or dropped us)'],
  );
});

/**
 * `bt-tui tracker --max-nodes N` as a person runs it (real processes, real UDP on 127.0.0.1):
 * the node beyond the bound is told the tracker is full, in one line, and exits 1; the node
 * already registered is untouched. And one tracker per `--db` folder: a second is refused.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killAll, spawnCli, trackerPort } from '../peer/harness/cli.ts';
import { makeTempDir } from '../peer/harness/files.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('a tracker started with --max-nodes 1 refuses a second node: one line, exit 1', {
  timeout: 60_000,
}, async () => {
  const dir = await makeTempDir('tracker-bounds');
  cleanups.push(dir.remove);
  const files = join(dir.path, 'files');
  const logs = join(dir.path, 'logs');
  await mkdir(files);
  const tracker = spawnCli([
    'tracker',
    '--headless',
    '--port',
    '0',
    '--max-nodes',
    '1',
    '--logs',
    logs,
    '--db',
    join(dir.path, 'db'),
  ]);
  const address = `127.0.0.1:${await trackerPort(tracker)}`;
  const common = ['--headless', '--tracker', address, '--logs', logs, '--files', files];
  const first = spawnCli(['peer', '--id', '1', ...common]);
  await first.waitForLine(/registered with tracker/);

  const second = spawnCli(['peer', '--id', '2', ...common]);
  const ended = await second.waitForExit(20_000);
  assert.deepEqual(
    { code: ended.code, stderr: second.stderr },
    { code: 1, stderr: ['bt-tui: tracker is full (1 node)'] },
  );
  assert.equal(first.child.exitCode, null, 'the registered node keeps running');
});

test('a second tracker on the same --db is refused in one line, exit 1; the first keeps it', {
  timeout: 30_000,
}, async () => {
  const dir = await makeTempDir('tracker-db-lock');
  cleanups.push(dir.remove);
  const db = join(dir.path, 'db');
  const logs = join(dir.path, 'logs');
  const common = ['tracker', '--headless', '--port', '0', '--logs', logs, '--db', db];
  const first = spawnCli(common);
  await trackerPort(first);
  const second = spawnCli(common);
  const ended = await second.waitForExit(20_000);
  assert.deepEqual(
    { code: ended.code, stderr: second.stderr },
    {
      code: 1,
      stderr: [
        `bt-tui: cannot open ${db}: it is in use by another bt-tui tracker (pid ${first.child.pid}): give each tracker a --db of its own, or let trackers share one swarm with --store redis://HOST:PORT`,
      ],
    },
  );
  assert.equal(first.child.exitCode, null, 'the first tracker keeps running');
  // Once the first has stopped, the folder is free again.
  first.child.kill('SIGTERM');
  await first.waitForExit(10_000);
  const third = spawnCli(common);
  await trackerPort(third);
});

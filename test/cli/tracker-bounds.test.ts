/**
 * `bt-tui tracker --max-nodes N` as a person runs it (real processes, real UDP on 127.0.0.1):
 * the node beyond the bound is told the tracker is full, says so in one line and asks again
 * until a node leaves, then downloads at once; the nodes registered are untouched. And one
 * tracker per `--db` folder: a second is refused.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killAll, spawnCli, startCliSwarm, trackerPort } from '../peer/harness/cli.ts';
import { makeTempDir, sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { timeOf, withoutTime } from '../peer/harness/log-lines.ts';

const NAME = 'a.bin';
const cleanups: Array<() => Promise<void>> = [];

after(async () => {
  await killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('a tracker full at --max-nodes refuses a node, which asks again and downloads once a node leaves', {
  timeout: 60_000,
}, async () => {
  const dir = await makeTempDir('tracker-bounds');
  cleanups.push(dir.remove);
  const { common, files } = await startCliSwarm(dir.path, ['--max-nodes', '2']);
  await mkdir(join(files, 'node1'), { recursive: true });
  const expected = await writeRandomFile(join(files, 'node1', NAME), 256 * 1024, 77);
  const seeder = spawnCli(['peer', '--id', '1', '--seed', NAME, ...common]);
  const other = spawnCli(['peer', '--id', '3', ...common]);
  await seeder.waitForLine(/registered with tracker/);
  await other.waitForLine(/registered with tracker/);

  // Before, a headless node exited 1 here, where the view went on asking (a full tracker is a
  // bound, and bounds free up as nodes leave: as for a tracker that does not answer).
  const leecher = spawnCli([
    'peer',
    '--id',
    '2',
    '--download',
    NAME,
    '--exit-when-done',
    ...common,
  ]);
  const refusal =
    'tracker refused registration: tracker is full (2 nodes); asking again with backoff';
  await leecher.waitForLine(/tracker refused registration/);
  // Two more attempts at least (the backoff starts at 1 s), and still the one line.
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  assert.deepEqual(
    leecher.stdout.map(withoutTime).filter((line) => line.startsWith('tracker ')),
    [refusal],
  );
  assert.equal(leecher.child.exitCode, null, 'the refused node keeps asking');
  assert.equal(seeder.child.exitCode, null, 'the registered nodes keep running');

  other.signal('SIGTERM');
  await other.waitForExit(10_000);
  // Let in at its next attempt (the backoff is at most 8 s, x 1.5 jitter), it downloads.
  const ended = await leecher.waitForExit(30_000);
  assert.deepEqual({ code: ended.code, stderr: leecher.stderr }, { code: 0, stderr: [] });
  assert.equal(await sha256File(join(files, 'node2', NAME)), expected);
  // At once, not when the download's back-off said (10 s later, found by hand).
  const registeredAt = timeOf(leecher.stdout, /registered with tracker/);
  const ownerAt = timeOf(leecher.stdout, /owner node 1 at/);
  assert.ok(ownerAt - registeredAt < 2_000, `owner found ${ownerAt - registeredAt} ms after`);
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

test('a second tracker with the same --logs writes a log of its own and says where', {
  timeout: 30_000,
}, async () => {
  // Found by a session: two trackers of one machine wrote one tracker.log, lines interleaved.
  const dir = await makeTempDir('tracker-log-lock');
  cleanups.push(dir.remove);
  const logs = join(dir.path, 'logs');
  const tracker = (db: string) =>
    spawnCli(['tracker', '--headless', '--port', '0', '--logs', logs, '--db', join(dir.path, db)]);
  const first = tracker('db1');
  await trackerPort(first);
  const second = tracker('db2');
  await trackerPort(second);
  const own = join(logs, `tracker-${second.child.pid}.log`);
  assert.match(
    second.stdout[0] ?? '',
    new RegExp(
      `^\\S+ ${join(logs, 'tracker.log')} is written by another tracker \\(process ${first.child.pid}\\): this one writes ${own}$`,
    ),
  );
  for (const each of [first, second]) each.child.kill('SIGTERM');
  await Promise.all([first.waitForExit(10_000), second.waitForExit(10_000)]);
  const firstLog = await readFile(join(logs, 'tracker.log'), 'utf8');
  const secondLog = await readFile(own, 'utf8');
  assert.equal(firstLog.split('\n').filter((line) => line.includes('db2')).length, 0, firstLog);
  assert.match(secondLog, /tracker listening on .*db2/);
});

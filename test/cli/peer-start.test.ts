/**
 * Issue 11, `bt-tui peer` as a script runs it (real processes, real UDP on 127.0.0.1): a bad
 * `--files` is one line and exit 2 (never a stack trace, a hang or a new folder); a `--seed` that
 * cannot be seeded ends a headless node with one line and exit 1; a node id in use is still the
 * one hard error; and a node whose tracker is silent starts seeding at once.
 */
import assert from 'node:assert/strict';
import { access, mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freeUdpPort } from '../e2e/harness.ts';
import { killAll, spawnCli, trackerPort } from '../peer/harness/cli.ts';
import { makeTempDir } from '../peer/harness/files.ts';
import { waitFor } from '../peer/harness/wait.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function workspace(): Promise<{ root: string; files: string; logs: string }> {
  const dir = await makeTempDir('cli-start');
  cleanups.push(dir.remove);
  const files = join(dir.path, 'files');
  await mkdir(files);
  return { root: dir.path, files, logs: join(dir.path, 'logs') };
}

/** A headless tracker of the workspace on a free port, and its address for --tracker. */
async function startTracker(ws: { root: string; logs: string }, extra: string[] = []) {
  const tracker = spawnCli([
    'tracker',
    '--headless',
    '--port',
    '0',
    ...extra,
    '--logs',
    ws.logs,
    '--db',
    join(ws.root, 'db'),
  ]);
  return { tracker, address: `127.0.0.1:${await trackerPort(tracker)}` };
}

/** Runs `bt-tui peer ...` to its end; returns its exit code and stderr. */
async function runToEnd(args: string[], timeoutMs = 30_000) {
  const cli = spawnCli(['peer', ...args]);
  const ended = await cli.waitForExit(timeoutMs);
  return { code: ended.code, stderr: cli.stderr, stdout: cli.stdout };
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

test('--files that is a file, a missing path or under /proc: one line, exit 2, nothing created', {
  timeout: 120_000,
}, async () => {
  const ws = await workspace();
  const tracker = `127.0.0.1:${await freeUdpPort()}`;
  const common = ['--id', '1', '--headless', '--tracker', tracker, '--logs', ws.logs];
  const typo = join(ws.root, 'flies');
  const cases: Array<[files: string, line: string]> = [
    ['README.md', 'bt-tui: --files README.md: not a folder'],
    [
      '/proc/x',
      'bt-tui: --files /proc/x: no such folder (create it first; only the default node_files is created for you)',
    ],
    [
      typo,
      `bt-tui: --files ${typo}: no such folder (create it first; only the default node_files is created for you)`,
    ],
    ['README.md/sub', 'bt-tui: --files README.md/sub: a part of the path is a file, not a folder'],
  ];
  for (const [files, line] of cases) {
    const ran = await runToEnd([...common, '--files', files]);
    assert.deepEqual({ code: ran.code, stderr: ran.stderr }, { code: 2, stderr: [line] }, files);
  }
  assert.equal(await exists(typo), false, 'the mistyped folder was not created');
});

test('--seed of a missing file, headless: one line, exit 1', { timeout: 30_000 }, async () => {
  const ws = await workspace();
  const tracker = `127.0.0.1:${await freeUdpPort()}`;
  const seedOnly = (name: string) =>
    runToEnd([
      '--id',
      '1',
      '--seed',
      name,
      '--headless',
      '--tracker',
      tracker,
      '--files',
      ws.files,
      '--logs',
      ws.logs,
    ]);
  const ran = await seedOnly('missing.bin');
  const folder = await realpath(join(ws.files, 'node1'));
  assert.deepEqual(
    { code: ran.code, stderr: ran.stderr },
    { code: 1, stderr: [`bt-tui: --seed missing.bin: there is no missing.bin in ${folder}`] },
  );
  // A name that is not UTF-8 on disk reaches the node with U+FFFD (found by a session).
  await writeFile(Buffer.from(`${folder}/bad\xe9.bin`, 'latin1'), 'abc');
  const latin1 = await seedOnly('bad\uFFFD.bin');
  assert.deepEqual(
    { code: latin1.code, stderr: latin1.stderr },
    {
      code: 1,
      stderr: [
        `bt-tui: --seed bad\uFFFD.bin: there is no bad\uFFFD.bin in ${folder} (a name shown with \uFFFD may be one that is not UTF-8 on disk: rename it to share it)`,
      ],
    },
  );
});

test('a node id in use: one line naming the holder, exit 1', { timeout: 30_000 }, async () => {
  const ws = await workspace();
  const { address } = await startTracker(ws, ['--sweep', '2']);
  const common = ['--id', '5', '--headless', '--tracker', address];
  const holder = spawnCli(['peer', ...common, '--files', ws.files, '--logs', ws.logs]);
  const listening = await holder.waitForLine(/node 5 listening on 127\.0\.0\.1:\d+/);
  await holder.waitForLine(/registered with tracker/);
  const holderPort = /127\.0\.0\.1:(\d+)/.exec(listening)![1];
  const otherFiles = join(ws.root, 'other');
  await mkdir(otherFiles);
  const otherLogs = ['--logs', join(ws.root, 'other-logs')];
  const ran = await runToEnd([...common, '--files', otherFiles, ...otherLogs], 20_000);
  assert.equal(ran.code, 1, ran.stderr.join('\n'));
  assert.equal(ran.stderr.length, 1, ran.stderr.join('\n'));
  assert.match(
    ran.stderr[0]!,
    new RegExp(
      `^bt-tui: node id 5 is in use by 127\\.0\\.0\\.1:${holderPort} \\(another key; free once that node exits, or if it stays silent \\d+ s more\\)$`,
    ),
  );
});

test('a second process for the same node folder is refused; the first keeps the id', {
  timeout: 40_000,
}, async () => {
  // Two processes of one folder share its key: the tracker took each for the node back from a
  // new address, and they took the id from each other every heartbeat (found by hand).
  const ws = await workspace();
  const { tracker, address } = await startTracker(ws);
  const args = ['--id', '6', '--headless', '--tracker', address, '--logs', ws.logs];
  const first = spawnCli(['peer', ...args, '--files', ws.files]);
  await first.waitForLine(/registered with tracker/);
  const ran = await runToEnd([...args, '--files', ws.files], 20_000);
  const shown = join(ws.files, 'node6');
  assert.deepEqual(
    { code: ran.code, stderr: ran.stderr },
    {
      code: 1,
      stderr: [
        `bt-tui: node 6 is already running from ${shown} (process ${first.pid}): stop it first, or give this one another --id or --files`,
      ],
    },
  );
  // The first was not disturbed, and once it is gone the folder can be used again.
  first.signal('SIGTERM');
  assert.deepEqual(await first.waitForExit(), { code: 0, signal: null });
  const again = spawnCli(['peer', ...args, '--files', ws.files]);
  await again.waitForLine(/registered with tracker/);
  again.signal('SIGTERM');
  assert.deepEqual(await again.waitForExit(), { code: 0, signal: null });
  const trackerLog = tracker.stdout.join('\n');
  assert.doesNotMatch(trackerLog, /rejoined node 6/);
});

test('a second node of one id with another folder and the same --logs is refused before it logs', {
  timeout: 40_000,
}, async () => {
  // Its refused start went between the first node's lines in logs/node7.log (found by a session).
  const ws = await workspace();
  const { address } = await startTracker(ws);
  const common = ['--id', '7', '--headless', '--tracker', address, '--logs', ws.logs];
  const first = spawnCli(['peer', ...common, '--files', ws.files]);
  await first.waitForLine(/registered with tracker/);
  const logPath = join(ws.logs, 'node7.log');
  const logLines = () => readFile(logPath, 'utf8').catch(() => '');
  await waitFor(async () => /registered with tracker/.test(await logLines()), 'the log');
  const logBefore = await logLines();
  const otherFiles = join(ws.root, 'other');
  await mkdir(otherFiles);
  const ran = await runToEnd([...common, '--files', otherFiles], 20_000);
  assert.deepEqual(
    { code: ran.code, stderr: ran.stderr },
    {
      code: 1,
      stderr: [
        `bt-tui: node 7 is already running with its log in ${logPath} (process ${first.pid}): stop it first, or give this one another --id or --logs`,
      ],
    },
  );
  assert.equal(await readFile(logPath, 'utf8'), logBefore);
  // A node folder that is a link to another node's folder is that node's, not node 8's (it
  // would take node 7's key, running or not).
  await symlink(join(ws.files, 'node7'), join(ws.files, 'node8'));
  const linked = await runToEnd(
    ['--id', '8', '--headless', '--tracker', address, '--logs', ws.logs, '--files', ws.files],
    20_000,
  );
  const real = await realpath(join(ws.files, 'node7'));
  assert.deepEqual(
    { code: linked.code, stderr: linked.stderr },
    {
      code: 1,
      stderr: [
        `bt-tui: ${join(ws.files, 'node8')} is a link to ${real}, node 7's folder: a node keeps its key and records in its folder, so node 8 needs a folder of its own`,
      ],
    },
  );
  // Once the first is gone, its log is free for the next node 7.
  first.signal('SIGTERM');
  assert.deepEqual(await first.waitForExit(), { code: 0, signal: null });
  const again = spawnCli(['peer', ...common, '--files', otherFiles]);
  await again.waitForLine(/registered with tracker/);
  again.signal('SIGTERM');
  assert.deepEqual(await again.waitForExit(), { code: 0, signal: null });
});

test('--exit-when-done stopped before its downloads began says so and exits 1', {
  timeout: 30_000,
}, async () => {
  // Found by a session: stopped while the tracker had not answered yet, it exited 0.
  const ws = await workspace();
  const silent = `127.0.0.1:${await freeUdpPort()}`;
  const peer = spawnCli([
    'peer',
    ...['--id', '4', '--headless', '--tracker', silent, '--files', ws.files, '--logs', ws.logs],
    ...['--download', 'x.bin', '--exit-when-done'],
  ]);
  await peer.waitForLine(/node 4 listening on/);
  peer.signal('SIGTERM');
  // Sent the moment the line came, under load it was lost: the node ran on (see shutdown.ts).
  const exit = await peer
    .waitForExit(20_000)
    .catch((error: Error) => `${error.message}\n${peer.stdout.join('\n')}`);
  assert.deepEqual(exit, { code: 1, signal: null });
  assert.deepEqual(peer.stderr, [
    'bt-tui: stopped before x.bin was done; the next start does not take it up by itself: --download x.bin does',
  ]);
});

test('with a silent tracker a headless node seeds at once instead of waiting for it', {
  timeout: 30_000,
}, async () => {
  const ws = await workspace();
  await mkdir(join(ws.files, 'node1'));
  await writeFile(join(ws.files, 'node1', 'a.txt'), 'hello\n');
  const peer = spawnCli([
    'peer',
    '--id',
    '1',
    '--seed',
    'a.txt',
    '--headless',
    '--tracker',
    `127.0.0.1:${await freeUdpPort()}`,
    '--files',
    ws.files,
    '--logs',
    ws.logs,
  ]);
  const listening = await peer.waitForLine(/ node 1 listening on /);
  const seeding = await peer.waitForLine(/ seeding a\.txt/);
  // Timed by the node's own log clock (process start-up on a busy machine does not count): the
  // first registration attempt alone lasts ~12 s against a silent tracker.
  const seconds = (Date.parse(seeding.slice(0, 24)) - Date.parse(listening.slice(0, 24))) / 1000;
  assert.ok(seconds < 3, `seeding began ${seconds.toFixed(1)} s after listening`);
  // Stopped while its first registration still waits: it leaves at once, and well.
  peer.signal('SIGTERM');
  assert.deepEqual(await peer.waitForExit(10_000), { code: 0, signal: null });
});

test('a download left paused is taken up paused; --exit-when-done says so and does not wait', {
  timeout: 30_000,
}, async () => {
  const ws = await workspace();
  const state = join(ws.files, 'node7', '.bt-tui');
  await mkdir(state, { recursive: true });
  const record = `${JSON.stringify({ version: 1, downloads: [{ target: 'held.bin', paused: true }] })}\n`;
  await writeFile(join(state, 'downloads.json'), record);
  const tracker = `127.0.0.1:${await freeUdpPort()}`;
  const ran = await runToEnd(
    ['--id', '7', '--headless', '--exit-when-done', '--tracker', tracker].concat([
      '--files',
      ws.files,
      '--logs',
      ws.logs,
    ]),
    20_000,
  );
  assert.deepEqual(
    { code: ran.code, stderr: ran.stderr },
    {
      code: 0,
      stderr: [
        'bt-tui: held.bin stays paused (paused before this node stopped); not waiting for it: --download held.bin resumes it',
      ],
    },
  );
  assert.ok(
    ran.stdout.some((line) =>
      line.endsWith(' taking up 1 unfinished download: held.bin (paused: held.bin)'),
    ),
    ran.stdout.join('\n'),
  );
  assert.equal(await readFile(join(state, 'downloads.json'), 'utf8'), record, 'still recorded');
});

/**
 * The real command line, as a user runs it: a headless tracker, two seeders and a leecher as
 * separate processes on 127.0.0.1; the leecher exits 0 with the file exact and the tracker
 * credits the owners; a leecher started before its seeder waits for it. Failures are one clear
 * line and a non-zero exit: hostile names (usage errors, exit 2).
 */
import assert from 'node:assert/strict';
import { link, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killAll, spawnCli, startCliSwarm } from './harness/cli.ts';
import { makeTempDir, sha256File, writeRandomFile } from './harness/files.ts';

const MiB = 1024 * 1024;
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A temp folder with files/ (made: only the default --files is created by bt-tui), logs/ and db/. */
async function workspace(): Promise<{ path: string; files: string; logs: string }> {
  const dir = await makeTempDir('cli');
  cleanups.push(dir.remove);
  await mkdir(join(dir.path, 'files'));
  return { path: dir.path, files: join(dir.path, 'files'), logs: join(dir.path, 'logs') };
}

/** The workspace's tracker, a node late after 2 s of silence, and the peers' common flags. */
function startTracker(ws: { path: string }) {
  return startCliSwarm(ws.path, ['--sweep', '2']);
}

test('tracker, two seeders and a leecher as processes: exit 0, file exact, owners credited', {
  timeout: 60_000,
}, async () => {
  const seed = 901;
  const ws = await workspace();
  const { tracker, common } = await startTracker(ws);
  await mkdir(join(ws.files, 'node1'), { recursive: true });
  await mkdir(join(ws.files, 'node2'), { recursive: true });
  const expected = await writeRandomFile(join(ws.files, 'node1', 'movie.bin'), 24 * MiB, seed);
  await link(join(ws.files, 'node1', 'movie.bin'), join(ws.files, 'node2', 'movie.bin'));
  const seeders = [1, 2].map((id) =>
    spawnCli(['peer', '--id', String(id), '--seed', 'movie.bin', ...common]),
  );
  for (const seeder of seeders) await seeder.waitForLine(/seeding movie\.bin/);
  await tracker.waitForLine(/owns node 2 movie\.bin/);

  const leecher = spawnCli([
    'peer',
    '--id',
    '3',
    '--download',
    'movie.bin',
    '--exit-when-done',
    ...common,
  ]);
  const ended = await leecher.waitForExit(40_000);
  const output = [...leecher.stdout, ...leecher.stderr].slice(-10).join('\n');
  assert.deepEqual(ended, { code: 0, signal: null }, `leecher exit (seed ${seed}):\n${output}`);
  assert.equal(
    await sha256File(join(ws.files, 'node3', 'movie.bin')),
    expected,
    `SHA-256 (seed ${seed})`,
  );
  assert.ok(
    leecher.stdout.some((line) => line.includes('done movie.bin')),
    output,
  );

  // The tracker's log file (not only its stdout) shows the UPDATE credits, adding up to the file.
  const trackerLog = await readFile(join(ws.logs, 'tracker.log'), 'utf8');
  const credits = [
    ...trackerLog.matchAll(
      /credited node 3 -> node (\d) \+(\d+) B \((?:[\d.]+ \w+ of )?movie\.bin\)/g,
    ),
  ];
  assert.ok(credits.length >= 1, `credited lines in tracker.log:\n${trackerLog}`);
  assert.equal(
    credits.reduce((sum, match) => sum + Number(match[2]), 0),
    24 * MiB,
    `credits add up to the file:\n${credits.map((match) => match[0]).join('\n')}`,
  );

  // SIGTERM: every process leaves cleanly.
  for (const process of [...seeders, tracker]) process.signal('SIGTERM');
  for (const process of [...seeders, tracker]) {
    assert.deepEqual(await process.waitForExit(10_000), { code: 0, signal: null });
  }
});

test('--exit-when-done started before the seeder waits for the file, then exits 0 with it exact', {
  timeout: 30_000,
}, async () => {
  // A script that starts every node at once: before 2026-12-06 the leecher asked the tracker
  // before the seeder had announced the file, said `not found in the swarm` and exited 1.
  const seed = 902;
  const ws = await workspace();
  const { common } = await startTracker(ws);
  await mkdir(join(ws.files, 'node1'), { recursive: true });
  const expected = await writeRandomFile(join(ws.files, 'node1', 'late.bin'), 4 * MiB, seed);
  const leecher = spawnCli([
    'peer',
    '--id',
    '4',
    '--download',
    'late.bin',
    '--exit-when-done',
    ...common,
  ]);
  await leecher.waitForLine(
    /late\.bin: waiting for owners \(no file of this name in the swarm yet\)$/,
  );
  const seeder = spawnCli(['peer', '--id', '1', '--seed', 'late.bin', ...common]);
  const ended = await leecher.waitForExit(20_000);
  const output = [...leecher.stdout, ...leecher.stderr].slice(-10).join('\n');
  assert.deepEqual(ended, { code: 0, signal: null }, `leecher exit (seed ${seed}):\n${output}`);
  assert.equal(
    await sha256File(join(ws.files, 'node4', 'late.bin')),
    expected,
    `SHA-256 (seed ${seed})`,
  );
  seeder.signal('SIGTERM');
  assert.deepEqual(await seeder.waitForExit(10_000), { code: 0, signal: null });
});

test('hostile --download names exit 2 with the exact reason', { timeout: 30_000 }, async () => {
  const cases: Array<[name: string, message: string]> = [
    [
      '../x',
      'bt-tui: --download: name "../x" refused: it is not a plain file name (contains a path separator)',
    ],
    [
      'a/b',
      'bt-tui: --download: name "a/b" refused: it is not a plain file name (contains a path separator)',
    ],
    [
      '..',
      'bt-tui: --download: name ".." refused: it is not a plain file name (it is "." or "..")',
    ],
    ['', 'bt-tui: --download: name "" refused: it is empty'],
  ];
  const ws = await workspace();
  const runs = cases.map(([name]) =>
    spawnCli([
      'peer',
      '--id',
      '5',
      '--download',
      name,
      '--headless',
      '--files',
      ws.files,
      '--logs',
      ws.logs,
    ]),
  );
  for (const [index, [name, message]] of cases.entries()) {
    const run = runs[index]!;
    const ended = await run.waitForExit(20_000);
    assert.deepEqual(ended, { code: 2, signal: null }, `exit for ${JSON.stringify(name)}`);
    assert.deepEqual(run.stderr, [message], `stderr for ${JSON.stringify(name)}`);
    assert.deepEqual(run.stdout, [], `stdout for ${JSON.stringify(name)}`);
  }
});

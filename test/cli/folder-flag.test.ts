/**
 * A --logs (or --db) folder that cannot be made is one line and an exit code, never a stack
 * trace or a hang: under /proc Node's recursive mkdir never returned, and a file in the way made
 * the logger throw from its constructor. Real processes.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freeUdpPort } from '../e2e/harness.ts';
import { killAll, spawnCli } from '../peer/harness/cli.ts';
import { makeTempDir } from '../peer/harness/files.ts';

const temp = await makeTempDir('folder-flag');
after(async () => {
  await killAll();
  await temp.remove();
});

async function runToEnd(args: string[]) {
  const cli = spawnCli(args);
  const ended = await cli.waitForExit(30_000);
  return { code: ended.code, stderr: cli.stderr };
}

/** A headless peer of `temp` with this --logs (and `more` flags), run to its end. */
async function runPeer(id: number, tracker: string, logs: string, more: string[] = []) {
  const args = ['--id', String(id), '--headless', '--tracker', tracker, '--files', temp.path];
  return runToEnd(['peer', ...args, '--logs', logs, ...more]);
}

/** A headless tracker on a free port with these folders, run to its end. */
async function runTracker(db: string, logs: string) {
  const port = String(await freeUdpPort());
  return runToEnd(['tracker', '--headless', '--port', port, '--db', db, '--logs', logs]);
}

test('peer and tracker: a --logs folder that cannot be made is one line, exit 2', {
  timeout: 120_000,
}, async () => {
  const file = join(temp.path, 'plain');
  await writeFile(file, 'x');
  const tracker = `127.0.0.1:${await freeUdpPort()}`;
  const cases: Array<[logs: string, line: string]> = [
    [file, `bt-tui: --logs ${file}: not a folder`],
    [
      join(file, 'sub'),
      `bt-tui: --logs ${join(file, 'sub')}: a part of the path is a file, not a folder`,
    ],
  ];
  if (process.platform === 'linux') {
    cases.push([
      '/proc/x',
      "bt-tui: --logs /proc/x: cannot make the folder (ENOENT: no such file or directory, mkdir '/proc/x')",
    ]);
  }
  for (const [logs, line] of cases) {
    const peer = await runPeer(1, tracker, logs);
    assert.deepEqual(peer, { code: 2, stderr: [line] }, `peer --logs ${logs}`);
    const trackerRun = await runTracker(join(temp.path, 'db'), logs);
    assert.deepEqual(trackerRun, { code: 2, stderr: [line] }, `tracker --logs ${logs}`);
  }
});

test('tracker: a --db folder that cannot be made is one line, exit 2, as for --logs', {
  timeout: 60_000,
  skip: process.platform !== 'linux',
}, async () => {
  // Until 2026-12-06: `cannot open /proc/x: …`, exit 1, as a broken database says.
  const logs = join(temp.path, 'logs');
  assert.deepEqual(await runTracker('/proc/x', logs), {
    code: 2,
    stderr: [
      "bt-tui: --db /proc/x: cannot make the folder (ENOENT: no such file or directory, mkdir '/proc/x')",
    ],
  });
  const file = join(temp.path, 'plain-db');
  await writeFile(file, 'x');
  assert.deepEqual(await runTracker(file, logs), {
    code: 2,
    stderr: [`bt-tui: --db ${file}: not a folder`],
  });
  // In the words --files uses (until 2026-12-06 Node's: `cannot make the folder (ENOTDIR: …)`).
  assert.deepEqual(await runTracker(join(file, 'db'), logs), {
    code: 2,
    stderr: [`bt-tui: --db ${join(file, 'db')}: a part of the path is a file, not a folder`],
  });
});

test("peer: --logs in the node's own folder, or another node's, is refused, one line, exit 2", {
  timeout: 30_000,
}, async () => {
  // Its log would be a file of the folder: with --seed-all seeded anew as it grew, for good.
  const tracker = `127.0.0.1:${await freeUdpPort()}`;
  const logs = join(temp.path, 'node3');
  const peer = await runPeer(3, tracker, logs, ['--seed-all']);
  const line = `bt-tui: --logs ${logs}: that is node 3's own folder, whose files it shares; give the logs another folder`;
  assert.deepEqual(peer, { code: 2, stderr: [line] });
  // Another node's folder of the same --files: that node would seed this one's log (found by a
  // session: node 1 with --seed-all seeded node9.log).
  const other = await runPeer(9, tracker, logs);
  const whose = `bt-tui: --logs ${logs}: that is node 3's folder, whose files it shares; give the logs another folder`;
  assert.deepEqual(other, { code: 2, stderr: [whose] });
});

/**
 * Standard output going away under a command (a pipe's reader quits, a full disk): the command
 * goes on, its lines in its log file, having said so once; `tracker export` says it could not
 * write and exits 1. Until 2026-12-07 each was a stack trace, and a tracker piped into `head`
 * died with the swarm's state (found by a session).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freeUdpPort } from '../e2e/harness.ts';
import { cliEntry, PROJECT_ROOT } from '../peer/harness/cli.ts';
import { makeTempDir } from '../peer/harness/files.ts';
import { waitFor } from '../peer/harness/wait.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** `bt-tui <args>` with stdout on `stdout` (a pipe, or an open file descriptor). */
function start(args: string[], stdout: 'pipe' | number) {
  const child = spawn(process.execPath, [...cliEntry(), ...args], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', stdout, 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, exited, stderr: () => stderr };
}

test('a headless tracker whose stdout reader quits goes on, and stops as usual', {
  timeout: 30_000,
}, async () => {
  const dir = await makeTempDir('stdout-gone');
  cleanups.push(dir.remove);
  const logs = join(dir.path, 'logs');
  const port = String(await freeUdpPort());
  const tracker = start(
    ['tracker', '--headless', '--port', port, '--db', join(dir.path, 'db'), '--logs', logs],
    'pipe',
  );
  // `| head -1`: the first line read, then the pipe closed.
  await new Promise((resolve) => tracker.child.stdout!.once('data', resolve));
  tracker.child.stdout!.destroy();
  // Its next line (a node registering) meets the closed pipe.
  await mkdir(join(dir.path, 'files'));
  const peer = start(
    [
      ...['peer', '--id', '1', '--headless', '--tracker', `127.0.0.1:${port}`],
      ...['--files', join(dir.path, 'files'), '--logs', logs],
    ],
    openSync('/dev/full', 'w'),
  );
  await waitFor(
    () => tracker.stderr().includes('standard output is gone') || tracker.child.exitCode !== null,
    'the tracker to say so',
    20_000,
  );
  assert.equal(tracker.child.exitCode, null, `the tracker died: ${tracker.stderr()}`);
  assert.match(await readFile(join(logs, 'tracker.log'), 'utf8'), /joined node 1 /);
  assert.equal(
    tracker.stderr(),
    `bt-tui: standard output is gone (EPIPE); the lines go on in ${join(logs, 'tracker.log')} only\n`,
  );
  // The peer's stdout is a full disk: it runs on the same way.
  await waitFor(() => peer.stderr().includes('standard output is gone'), 'the peer to say so');
  assert.equal(peer.child.exitCode, null, `the peer died: ${peer.stderr()}`);
  assert.equal(
    peer.stderr(),
    `bt-tui: standard output is gone (ENOSPC); the lines go on in ${join(logs, 'node1.log')} only\n`,
  );
  peer.child.kill('SIGTERM');
  tracker.child.kill('SIGTERM');
  assert.deepEqual(await Promise.all([peer.exited, tracker.exited]), [0, 0]);
});

test('tracker export to a full disk says so in one line, exit 1', { timeout: 30_000 }, async () => {
  const dir = await makeTempDir('stdout-gone');
  cleanups.push(dir.remove);
  const db = join(dir.path, 'db');
  const port = String(await freeUdpPort());
  const logs = join(dir.path, 'logs');
  const tracker = start(
    ['tracker', '--headless', '--port', port, '--db', db, '--logs', logs],
    'pipe',
  );
  await new Promise((resolve) => tracker.child.stdout!.once('data', resolve));
  tracker.child.kill('SIGTERM');
  assert.equal(await tracker.exited, 0);
  const exported = start(['tracker', 'export', '--db', db], openSync('/dev/full', 'w'));
  assert.equal(await exported.exited, 1);
  assert.equal(exported.stderr(), 'bt-tui: cannot write the export to standard output (ENOSPC)\n');
});

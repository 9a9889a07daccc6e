/**
 * `bt-tui demo --headless` (issue 8): the built CLI runs a whole swarm without a screen,
 * downloads every sample to the fourth node, prints a summary, exits 0, and removes its folder.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, ROOT } from '../e2e/harness.ts';
import { Cleanups, childrenOf, ensureBuiltOnce, killIfRunning } from '../e2e/peer-harness.ts';

const cleanups = new Cleanups();
after(() => cleanups.run());

describe('bt-tui demo --headless', () => {
  before(() => ensureBuiltOnce());

  test('exits 0 with every sample SHA-256 verified, and leaves no folder behind', {
    timeout: 40_000,
  }, async () => {
    // A private TMPDIR: whatever the demo creates there is its own, and must be gone at the end.
    const tempRoot = mkdtempSync(join(tmpdir(), 'bt-tui-test-demo-'));
    cleanups.add(() => rmSync(tempRoot, { recursive: true, force: true }));
    const child = spawn(process.execPath, [CLI, 'demo', '--headless', '--size', '1,4'], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tempRoot },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.add(() => {
      if (child.pid === undefined) return;
      for (const pid of childrenOf(child.pid)) killIfRunning(pid);
      killIfRunning(child.pid);
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const tail = `output:\n${output.trimEnd().split('\n').slice(-20).join('\n')}`;

    assert.equal(code, 0, tail);
    assert.match(output, /^every file is byte-identical$/m, tail);
    const verified = output
      .split('\n')
      .filter((line) => /SHA-256 verified [0-9a-f]{16}…$/.test(line))
      .map((line) => line.trim().split(/\s+/)[0]);
    assert.deepEqual(verified, ['sample-1MiB.bin', 'sample-4MiB.bin'], tail);

    const folder = output.match(/^demo: swarm ready in (\S+)$/m)?.[1];
    assert.ok(folder?.startsWith(join(tempRoot, 'bt-tui-demo-')), tail);
    assert.ok(folder, tail);
    assert.match(output, new RegExp(`^demo: removed ${folder.replaceAll('.', '\\.')}$`, 'm'));
    assert.equal(existsSync(folder), false, `${folder} is removed`);
    assert.deepEqual(readdirSync(tempRoot), [], 'the demo left nothing in TMPDIR');
  });

  test('killed outright, its seeders leave with it, and the next demo removes its folder', {
    timeout: 60_000,
  }, async () => {
    const tempRoot = mkdtempSync(join(tmpdir(), 'bt-tui-test-demo-'));
    cleanups.add(() => rmSync(tempRoot, { recursive: true, force: true }));
    const start = () =>
      spawn(process.execPath, [CLI, 'demo', '--headless', '--size', '1'], {
        cwd: ROOT,
        env: { ...process.env, TMPDIR: tempRoot },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const first = start();
    const seeders: number[] = [];
    cleanups.add(() => {
      for (const pid of [...seeders, first.pid ?? 0]) if (pid > 0) killIfRunning(pid);
    });
    let output = '';
    first.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitFor(() => /^demo: swarm ready in \S+$/m.test(output), 'the first demo is ready');
    const folder = output.match(/^demo: swarm ready in (\S+)$/m)![1]!;
    seeders.push(...childrenOf(first.pid!));
    assert.equal(seeders.length, 3, `three seeders: ${seeders.join(', ')}`);
    // SIGKILL: no exit hook runs. Until 2026-12-07 the seeders ran on for good, and the
    // folder stayed (found by a session).
    first.kill('SIGKILL');
    await waitFor(() => seeders.every((pid) => !isRunning(pid)), 'every seeder has left');
    assert.equal(existsSync(folder), true, 'the folder is left to the next demo');

    const second = start();
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    assert.equal(code, 0);
    assert.equal(existsSync(folder), false, `${folder} is removed by the next demo`);
    assert.deepEqual(readdirSync(tempRoot), [], 'nothing is left in TMPDIR');
  });
});

/** True while `pid` runs (a zombie counts as gone). */
function isRunning(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'latin1').includes(') Z ');
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms for up to 20 s. */
async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

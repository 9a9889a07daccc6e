/**
 * `bt-tui demo --headless` (issue 8): the built CLI runs a whole swarm without a screen,
 * downloads every sample to the fourth node, prints a summary, exits 0, and removes its folder.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
});

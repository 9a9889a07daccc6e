/**
 * A demo that would not fit says so before it writes anything: what its files need and what is
 * free. A full disk said only `ENOSPC: no space left on device, write` (found by hand, TMPDIR on
 * a 50 MiB tmpfs). The test's TMPDIR is an 8 MiB tmpfs, so that a demo without the check fails
 * fast there instead of filling a real disk. Needs root (mount); skipped where it cannot mount.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DemoSwarm } from '../../source/demo/demo-swarm.ts';

test('samples larger than the free room are refused with what they need and what is free', async (t) => {
  const room = mkdtempSync(join(tmpdir(), 'bt-tui-demo-room-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', room], { stdio: 'pipe' });
  } catch (error) {
    rmdirSync(room);
    t.skip(`cannot mount a tmpfs here: ${(error as Error).message.split('\n')[0]}`);
    return;
  }
  const savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = room;
  const said: string[] = [];
  try {
    await assert.rejects(
      DemoSwarm.start({ sizesMiB: [64], seeders: 1, say: (text) => said.push(text) }),
      {
        message: `not enough room in ${room}: the sample files and their downloads need 144.0 MiB, 8.0 MiB is free (give a smaller --size, or TMPDIR a folder on a larger disk)`,
      },
    );
    assert.deepEqual(said, [], 'nothing written');
    assert.deepEqual(readdirSync(room), [], 'its folder removed');
  } finally {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    execFileSync('umount', [room], { stdio: 'pipe' });
    rmdirSync(room);
  }
});

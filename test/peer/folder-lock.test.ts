import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { LOCK_FILE_NAME, lockFolder } from '../../source/folder-lock.ts';
import { makeTempDir } from './harness/files.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function stateDir(): Promise<string> {
  const dir = await makeTempDir('folder-lock');
  cleanups.push(dir.remove);
  return dir.path;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** A child process that lives until killed: `command` with `args`. */
function liveProcess(command: string, args: string[]) {
  const child = spawn(command, args, { stdio: 'ignore' });
  cleanups.push(async () => {
    child.kill('SIGKILL');
  });
  return child;
}

describe('lockFolder', () => {
  test('takes a free folder, writes its pid, and release() frees it', async () => {
    const dir = await stateDir();
    const locked = await lockFolder(dir);
    assert.ok(locked.ok);
    assert.match(
      await readFile(join(dir, LOCK_FILE_NAME), 'utf8'),
      new RegExp(`^${process.pid} \\d+ \\d+:\\d+\n$`),
    );
    await locked.lock.release();
    assert.equal(await exists(join(dir, LOCK_FILE_NAME)), false);
  });

  test('a folder another live process holds is refused, naming it', async () => {
    const dir = await stateDir();
    const holder = liveProcess(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    // What that process would have written before 2026-12-06: its pid and when it started.
    const stat = await readFile(`/proc/${holder.pid}/stat`, 'latin1');
    const startedAt = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    await writeFile(join(dir, LOCK_FILE_NAME), `${holder.pid} ${startedAt}\n`);
    assert.deepEqual(await lockFolder(dir), { ok: false, pid: holder.pid });
    // Once it is gone, its lock is stale and taken over.
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const locked = await lockFolder(dir);
    assert.ok(locked.ok);
    await locked.lock.release();
  });

  test('a lock copied with its folder (cp -r node1 node5) is taken over; the original is not', async () => {
    const original = await stateDir();
    const copy = await stateDir();
    const holder = liveProcess(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    const stat = await readFile(`/proc/${holder.pid}/stat`, 'latin1');
    const startedAt = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    // What the holder wrote into the original (via a lock of our own: the same folder field).
    const ours = await lockFolder(original);
    assert.ok(ours.ok);
    const folder = (await readFile(join(original, LOCK_FILE_NAME), 'utf8')).trim().split(' ')[2];
    await ours.lock.release();
    const lock = `${holder.pid} ${startedAt} ${folder}\n`;
    await writeFile(join(original, LOCK_FILE_NAME), lock);
    await writeFile(join(copy, LOCK_FILE_NAME), lock);
    assert.deepEqual(await lockFolder(original), { ok: false, pid: holder.pid });
    const locked = await lockFolder(copy);
    assert.ok(locked.ok, 'the copy is another folder, which nobody holds');
    await locked.lock.release();
  });

  test('a lock whose pid now names another process (reused after a crash) is stale', async () => {
    const dir = await stateDir();
    const other = liveProcess('sleep', ['60']);
    // The pid is alive, but started at another time than the holder did.
    await writeFile(join(dir, LOCK_FILE_NAME), `${other.pid} 1\n`);
    const locked = await lockFolder(dir);
    assert.ok(locked.ok);
    assert.match(await readFile(join(dir, LOCK_FILE_NAME), 'utf8'), new RegExp(`^${process.pid} `));
    await locked.lock.release();
  });

  test('a stale lock on a full disk is taken over in place (a node killed there starts again)', async (t) => {
    const dir = await stateDir();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    } catch {
      t.skip('cannot mount a tmpfs here; the full-disk case needs root');
      return;
    }
    try {
      const gone = spawnSync('true').pid!; // a process that has exited: its lock is stale
      await writeFile(join(dir, LOCK_FILE_NAME), `${gone} 1\n`);
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=4k'], {
          stdio: 'pipe',
        });
      } catch {
        // dd stops at the full disk, as meant.
      }
      // Until 2026-12-07: ENOSPC writing the draft, and the node could not start.
      const locked = await lockFolder(dir);
      assert.ok(locked.ok);
      assert.match(
        await readFile(join(dir, LOCK_FILE_NAME), 'utf8'),
        new RegExp(`^${process.pid} `),
      );
      assert.deepEqual((await readdir(dir)).sort(), ['filler', LOCK_FILE_NAME].sort());
      await locked.lock.release();
    } finally {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    }
  });

  test('two processes starting at once: exactly one gets the folder, every time', {
    timeout: 60_000,
  }, async () => {
    // Each child tries and prints what it got; one that got the lock holds it until its stdin
    // ends, which is once both have said (a fixed hold of 1.5 s made this test 10 s long).
    const moduleUrl = new URL('../../source/folder-lock.ts', import.meta.url).href;
    const script = `const { lockFolder } = await import(${JSON.stringify(moduleUrl)});
      const got = await lockFolder(process.argv[1]);
      console.log(got.ok ? 'ok' : 'refused');
      if (got.ok) process.stdin.once('end', () => got.lock.release()).resume();`;
    for (let round = 0; round < 5; round++) {
      const dir = await stateDir();
      const start = () => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '-e', script, dir],
          { stdio: ['pipe', 'pipe', 'inherit'] },
        );
        const said = new Promise<string>((resolve) => {
          let out = '';
          child.stdout.on('data', (chunk) => {
            out += chunk;
            if (out.includes('\n')) resolve(out.trim());
          });
          child.once('exit', () => resolve(out.trim()));
        });
        const exited = new Promise((resolve) => child.once('exit', resolve));
        return { child, said, exited };
      };
      const racers = [start(), start()];
      const outcomes = (await Promise.all(racers.map((racer) => racer.said))).sort();
      for (const racer of racers) racer.child.stdin.end();
      await Promise.all(racers.map((racer) => racer.exited));
      assert.deepEqual(outcomes, ['ok', 'refused'], `round ${round}`);
    }
  });

  test('a lock of a process killed and not yet reaped (a zombie) is stale', async () => {
    // Found by a session: where nothing reaps at once, a restart right after kill -9 was refused.
    const dir = await stateDir();
    // `sleep 30` takes the place of the shell, the parent of `sleep 0.1`, and never reaps it.
    const parent = liveProcess('sh', ['-c', 'sleep 0.1 & exec sleep 30']);
    const children = `/proc/${parent.pid}/task/${parent.pid}/children`;
    let zombie = 0;
    for (let tries = 0; tries < 100 && zombie === 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const pid = Number((await readFile(children, 'utf8').catch(() => '')).trim());
      const stat = pid > 0 ? await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => '') : '';
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) zombie = pid;
    }
    assert.ok(zombie > 0, 'no zombie to test with');
    await writeFile(join(dir, LOCK_FILE_NAME), `${zombie}\n`);
    const locked = await lockFolder(dir);
    assert.ok(locked.ok, `refused for zombie ${zombie}`);
    await locked.lock.release();
  });

  test('an unreadable or empty lock file is stale', async () => {
    const dir = await stateDir();
    await writeFile(join(dir, LOCK_FILE_NAME), 'not a pid');
    const locked = await lockFolder(dir);
    assert.ok(locked.ok);
    await locked.lock.release();
  });
});

/**
 * makeFolder / makeFolderSync: `mkdir -p` that always ends. Node 20's recursive mkdir spins
 * forever where a parent exists but cannot hold the child (under /proc, a dangling symlink), so
 * the cases that hung run in a child process with a deadline: a regression fails, never hangs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeFolder, makeFolderSync } from '../source/make-folder.ts';
import { makeTempDir } from './peer/harness/files.ts';

const temp = await makeTempDir('make-folder');
after(() => temp.remove());

test('makes every missing parent, and a folder already there is fine', async () => {
  const deep = join(temp.path, 'a', 'b', 'c');
  await makeFolder(deep);
  assert.ok(statSync(deep).isDirectory());
  await makeFolder(deep);
  const deepSync = join(temp.path, 's', 't');
  makeFolderSync(deepSync);
  makeFolderSync(deepSync);
  assert.ok(statSync(deepSync).isDirectory());
});

test('a file in the way is ENOTDIR, whether it is the folder itself or a parent', async () => {
  const file = join(temp.path, 'plain');
  writeFileSync(file, 'x');
  for (const path of [file, join(file, 'sub')]) {
    await assert.rejects(makeFolder(path), { code: 'ENOTDIR' });
    assert.throws(() => makeFolderSync(path), { code: 'ENOTDIR' });
  }
});

test('under a dangling symlink or /proc: ENOENT at once (Node 20 recursive mkdir spins)', () => {
  const dangling = join(temp.path, 'dangling');
  symlinkSync(join(temp.path, 'no-such-disk'), dangling);
  const paths = [join(dangling, 'logs'), ...(process.platform === 'linux' ? ['/proc/x/y'] : [])];
  const script = `
    import { makeFolder, makeFolderSync } from './source/make-folder.ts';
    const codes = [];
    for (const path of ${JSON.stringify(paths)}) {
      try { makeFolderSync(path); codes.push('made'); } catch (e) { codes.push(e.code); }
      try { await makeFolder(path); codes.push('made'); } catch (e) { codes.push(e.code); }
    }
    console.log(JSON.stringify(codes));
  `;
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: join(import.meta.dirname, '..'), encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(child.error, undefined, `no answer in 20 s: ${child.error?.message}`);
  assert.deepEqual(
    JSON.parse(child.stdout),
    paths.flatMap(() => ['ENOENT', 'ENOENT']),
    child.stderr,
  );
});

test('a dangling link or a loop of links is said to be that, not a missing path', async () => {
  const dangling = join(temp.path, 'to-nowhere');
  symlinkSync(join(temp.path, 'unmounted-disk'), dangling);
  const loop = join(temp.path, 'loop');
  symlinkSync(loop, loop);
  const cases = [
    [
      dangling,
      `${dangling} is a link to ${join(temp.path, 'unmounted-disk')}, which does not exist`,
    ],
    [loop, `${loop} is a link to ${loop}, which leads back to itself`],
    [
      join(dangling, 'logs'),
      `${dangling} is a link to ${join(temp.path, 'unmounted-disk')}, which does not exist`,
    ],
  ] as const;
  for (const [path, message] of cases) {
    await assert.rejects(makeFolder(path), { message });
    assert.throws(() => makeFolderSync(path), { message });
  }
  assert.throws(() => statSync(join(temp.path, 'unmounted-disk')), { code: 'ENOENT' });
});

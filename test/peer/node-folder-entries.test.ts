/**
 * Issue 11: what My files shows of entries that cannot be shared (folders, FIFOs, links leading
 * out of the folder or nowhere), each with why, and a node folder that cannot be made fails at
 * once with the system's reason instead of hanging (Node's recursive mkdir spins on /proc/x).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { openNodeFolder } from '../../source/peer/node-folder.ts';
import { withTimeout } from './harness/wait.ts';

const root = await mkdtemp(join(tmpdir(), 'bt-tui-entries-'));
after(() => rm(root, { recursive: true, force: true }));

describe('NodeFolder.listEntries', () => {
  test('each listing shows files added and removed, and a file written lately or named fresh as it is now', async () => {
    const filesDir = join(root, 'files-cache');
    await mkdir(filesDir);
    const folder = await openNodeFolder(filesDir, 4);
    const old = new Date(Date.now() - 3_600_000);
    for (const name of ['a.txt', 'b.txt']) {
      await writeFile(join(folder.path, name), 'one');
      await utimes(join(folder.path, name), old, old);
    }
    const sizes = async (fresh?: ReadonlySet<string>) =>
      Object.fromEntries(
        (await folder.listEntries(fresh)).files.map((file) => [file.name, file.sizeBytes]),
      );
    assert.deepEqual(await sizes(), { 'a.txt': 3, 'b.txt': 3 });
    // Grown, its time set back: only a name asked for fresh is sure to be looked at again.
    await appendFile(join(folder.path, 'a.txt'), 'more');
    await utimes(join(folder.path, 'a.txt'), old, old);
    assert.equal((await sizes(new Set(['a.txt'])))['a.txt'], 7);
    // Added, then written to: written lately, so looked at every time.
    await writeFile(join(folder.path, 'c.txt'), 'x');
    assert.deepEqual(await sizes(), { 'a.txt': 7, 'b.txt': 3, 'c.txt': 1 });
    await appendFile(join(folder.path, 'c.txt'), 'yz');
    assert.equal((await sizes())['c.txt'], 3);
    await rm(join(folder.path, 'b.txt'));
    assert.deepEqual(Object.keys(await sizes()), ['a.txt', 'c.txt']);
  });

  test('a listing that finds nothing changed is the last one itself, also when read again for its age', async (t) => {
    const filesDir = join(root, 'files-same');
    await mkdir(filesDir);
    const folder = await openNodeFolder(filesDir, 5);
    const old = new Date(Date.now() - 3_600_000);
    for (const name of ['file10.bin', 'file9.bin', 'album']) {
      if (name === 'album') await mkdir(join(folder.path, name));
      else await writeFile(join(folder.path, name), 'one');
      await utimes(join(folder.path, name), old, old);
    }
    await utimes(folder.path, old, old);
    const first = await folder.listEntries();
    assert.deepEqual(
      first.files.map((file) => file.name),
      ['file9.bin', 'file10.bin'],
      'in natural order',
    );
    assert.equal(await folder.listEntries(), first);
    // The folder's entries are read again when the last read is 10 s old: still the same.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() + 11_000 });
    assert.equal(await folder.listEntries(), first);
    // A file grown (asked for fresh), then a file added: each a new listing.
    await appendFile(join(folder.path, 'file9.bin'), 'more');
    await utimes(join(folder.path, 'file9.bin'), old, old);
    const grown = await folder.listEntries(new Set(['file9.bin']));
    assert.notEqual(grown, first);
    assert.equal(grown.files[0]?.sizeBytes, 7);
    await writeFile(join(folder.path, 'file11.bin'), 'x');
    t.mock.timers.tick(11_000);
    const added = await folder.listEntries();
    assert.notEqual(added, grown);
    assert.deepEqual(
      added.files.map((file) => file.name),
      ['file9.bin', 'file10.bin', 'file11.bin'],
    );
  });

  test('a watched folder: a file the kernel reports written is looked at in the next listing', async () => {
    const filesDir = join(root, 'files-watched');
    await mkdir(filesDir);
    const folder = await openNodeFolder(filesDir, 6);
    const old = new Date(Date.now() - 3_600_000);
    // Written with an old time: a file written lately is looked at every listing anyway.
    const writeOld = async (name: string, content: string) => {
      await writeFile(join(folder.path, name), content);
      await utimes(join(folder.path, name), old, old);
    };
    const sizeOf = async (name: string) =>
      (await folder.listEntries(undefined, true)).files.find((file) => file.name === name)
        ?.sizeBytes;
    const rewrittenIsListed = async (name: string, content: string, what: string) => {
      await writeOld(name, content);
      const listed = async () => {
        while ((await sizeOf(name)) !== content.length) await setTimeout(20);
      };
      await withTimeout(listed(), what, 2_000);
    };
    for (let i = 0; i < 300; i++) await writeOld(`f${i}.bin`, 'one');
    assert.equal(await sizeOf('f7.bin'), 3);
    // Unwatched, 300 files are each looked at every 6 s (watched, every 30 s), so only the
    // kernel's report brings the rewritten file into the next listings.
    await rewrittenIsListed('f7.bin', 'rewritten', 'f7.bin rewritten: its new size listed');
    assert.equal(folder.whyUnwatched(), null);
    // The folder deleted and made again: a watch on the old folder would report nothing.
    await rm(folder.path, { recursive: true });
    await assert.rejects(folder.listEntries(undefined, true), { code: 'ENOENT' });
    await mkdir(folder.path);
    for (let i = 0; i < 300; i++) await writeOld(`f${i}.bin`, 'two');
    assert.equal(await sizeOf('f8.bin'), 3);
    await rewrittenIsListed('f8.bin', 'rewritten again', 'f8.bin rewritten in the new folder');
    folder.close();
  });

  test('lists folders, FIFOs and links that lead out or nowhere as unsupported, with why', async () => {
    const filesDir = join(root, 'files');
    await mkdir(filesDir);
    const folder = await openNodeFolder(filesDir, 3);
    await writeFile(join(folder.path, 'plain.txt'), 'abc');
    await mkdir(join(folder.path, 'album'));
    execFileSync('mkfifo', [join(folder.path, 'pipe')]);
    await symlink('plain.txt', join(folder.path, 'inside-link'));
    await symlink('missing.bin', join(folder.path, 'dangling'));
    await writeFile(join(root, 'outside.bin'), 'outside');
    await symlink(join(root, 'outside.bin'), join(folder.path, 'outside-link'));
    await symlink('album', join(folder.path, 'album-link'));
    await writeFile(join(folder.path, 'half.bin.part'), 'partial');

    const listing = await folder.listEntries();
    assert.deepEqual(
      listing.files.map(({ name, sizeBytes }) => ({ name, sizeBytes })),
      [
        { name: 'inside-link', sizeBytes: 3 },
        { name: 'plain.txt', sizeBytes: 3 },
      ],
    );
    const shown = join(filesDir, 'node3');
    assert.deepEqual(listing.unsupported, [
      { name: 'album', reason: 'a folder: only plain files can be shared' },
      { name: 'album-link', reason: 'a link to a folder: only plain files can be shared' },
      {
        name: 'dangling',
        reason: 'a link to a file that does not exist: only plain files can be shared',
      },
      {
        name: 'outside-link',
        reason: `a link to a file outside ${shown}: only plain files can be shared`,
      },
      { name: 'pipe', reason: 'a FIFO (named pipe): only plain files can be shared' },
    ]);
    // The files listed are what can be seeded, nothing else.
    assert.deepEqual(
      (await folder.listNow()).files.map((file) => file.name),
      ['inside-link', 'plain.txt'],
    );
  });

  test('a plain file whose name no peer may create is unsupported for its name, not its kind', async () => {
    const filesDir = join(root, 'files-names');
    await mkdir(filesDir);
    const folder = await openNodeFolder(filesDir, 5);
    await writeFile(join(folder.path, 'plain.txt'), 'abc');
    await writeFile(join(folder.path, 'back\\slash.bin'), 'abc');
    await writeFile(join(folder.path, 'bad\nname.bin'), 'abc');
    await writeFile(join(folder.path, 'rtl\u202Egpj.exe'), 'abc');
    await symlink('plain.txt', join(folder.path, 'tab\tlink'));
    await mkdir(join(folder.path, 'odd\nalbum'));

    const listing = await folder.listEntries();
    assert.deepEqual(
      listing.files.map((file) => file.name),
      ['plain.txt'],
    );
    assert.deepEqual(listing.unsupported, [
      {
        name: 'back\\slash.bin',
        reason: 'its name contains a backslash, a path separator on Windows',
      },
      { name: 'bad\nname.bin', reason: 'its name contains a control character' },
      { name: 'odd\nalbum', reason: 'a folder: only plain files can be shared' },
      {
        name: 'rtl\u202Egpj.exe',
        reason: 'its name contains an invisible text-direction character',
      },
      { name: 'tab\tlink', reason: 'its name contains a control character' },
    ]);
  });

  test('a name that is not UTF-8 on disk is listed as such, and one named with U+FFFD is a file', async () => {
    // Found by a session: Latin-1 `bad\xe9.bin` was left out without a word.
    const filesDir = join(root, 'files-latin1');
    await mkdir(filesDir);
    const folder = await openNodeFolder(filesDir, 7);
    await writeFile(Buffer.from(`${folder.path}/bad\xe9.bin`, 'latin1'), 'abc');
    await writeFile(join(folder.path, 'real\uFFFD.bin'), 'abc');
    const listing = await folder.listEntries();
    assert.deepEqual(
      listing.files.map((file) => file.name),
      ['real\uFFFD.bin'],
    );
    assert.deepEqual(listing.unsupported, [
      {
        name: 'bad\uFFFD.bin',
        reason: 'its name is not valid UTF-8 (� stands for what is not): rename it to share it',
      },
    ]);
  });

  test('listFiles() is what can be seeded', async () => {
    const filesDir = join(root, 'files-seedable');
    await mkdir(filesDir);
    const folder = await openNodeFolder(filesDir, 6);
    await writeFile(join(folder.path, 'plain.txt'), 'abc');
    await symlink('plain.txt', join(folder.path, 'inside-link'));
    await writeFile(join(folder.path, 'bad\nname.bin'), 'abc');
    assert.deepEqual(
      (await folder.listNow()).files.map((file) => file.name),
      ['inside-link', 'plain.txt'],
    );
  });
});

describe('openNodeFolder on a path that cannot hold a node folder', () => {
  test('a folder under /proc fails at once with ENOENT instead of spinning', async () => {
    await assert.rejects(
      withTimeout(openNodeFolder('/proc/x', 1), 'openNodeFolder(/proc/x)', 3_000),
      { code: 'ENOENT' },
    );
  });

  test('a file given as the files folder fails with ENOTDIR', async () => {
    const file = join(root, 'README.md');
    await writeFile(file, '# not a folder\n');
    await assert.rejects(openNodeFolder(file, 1), { code: 'ENOTDIR' });
  });

  test('missing parents are made one level at a time', async () => {
    const folder = await openNodeFolder(join(root, 'a', 'b', 'files'), 7);
    assert.equal(folder.path, join(root, 'a', 'b', 'files', 'node7'));
  });
});

import assert from 'node:assert/strict';
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  folderErrorText,
  openNodeFolder,
  writeFileAtomically,
} from '../../source/peer/node-folder.ts';

const root = await mkdtemp(join(tmpdir(), 'bt-tui-folder-'));
after(() => rm(root, { recursive: true, force: true }));

let nextFilesDir = 0;
/** A fresh files dir per test, so tests do not see each other's files. */
async function freshFilesDir(): Promise<string> {
  const filesDir = join(root, `node_files_${nextFilesDir++}`);
  await mkdir(filesDir);
  return filesDir;
}

describe('openNodeFolder', () => {
  test('creates <filesDir>/node<ID> and its hidden state folder, and returns the real path', async () => {
    const filesDir = await freshFilesDir();
    const folder = await openNodeFolder(filesDir, 3);
    assert.equal(folder.path, await realpath(join(filesDir, 'node3')));
    assert.equal(folder.stateDir, join(folder.path, '.bt-tui'));
    assert.ok((await stat(folder.stateDir)).isDirectory());
  });

  test('opens an existing folder again without touching its files', async () => {
    const filesDir = await freshFilesDir();
    const first = await openNodeFolder(filesDir, 1);
    await writeFile(join(first.path, 'keep.txt'), 'kept');
    const second = await openNodeFolder(filesDir, 1);
    assert.equal(second.path, first.path);
    assert.deepEqual(
      (await second.listNow()).files.map((f) => f.name),
      ['keep.txt'],
    );
  });
});

describe('folderErrorText', () => {
  const failure = (code: string, message: string) =>
    Object.assign(new Error(`${code}: ${message}`), { code });

  test('a folder the node may not write to says why it must, even to seed', () => {
    // Found by hand: `--seed` from a read-only mount said only EROFS, mkdir '.../.bt-tui'.
    const readOnly = failure('EROFS', "read-only file system, mkdir '/media/dvd/node3/.bt-tui'");
    assert.equal(
      folderErrorText('dvd/node3', readOnly),
      "EROFS: read-only file system, mkdir '/media/dvd/node3/.bt-tui' (a node keeps its key and records in dvd/node3/.bt-tui, even to seed alone)",
    );
    for (const code of ['EACCES', 'EPERM'])
      assert.match(folderErrorText('n/node1', failure(code, 'x')), /even to seed alone\)$/);
  });

  test('a full disk says so, and what a node writes there as it starts', () => {
    assert.equal(
      folderErrorText('n/node1', failure('ENOSPC', 'no space left on device, write')),
      'ENOSPC: no space left on device, write (the disk is full: a node writes its lock, key and records in n/node1/.bt-tui as it starts, even to seed alone; free some space there)',
    );
  });

  test('other failures are said as they are', () => {
    assert.equal(folderErrorText('n/node1', failure('EIO', 'i/o error')), 'EIO: i/o error');
    assert.equal(
      folderErrorText('n/node1', new Error('n/node1/.bt-tui is not a folder')),
      'n/node1/.bt-tui is not a folder',
    );
  });
});

describe('NodeFolder.resolve', () => {
  const hostile: Array<[string, string]> = [
    ['../x', 'name "../x" refused: it is not a plain file name (contains a path separator)'],
    ['a/b', 'name "a/b" refused: it is not a plain file name (contains a path separator)'],
    ['a\\b', 'name "a\\\\b" refused: it is not a plain file name (contains a path separator)'],
    ['', 'name "" refused: it is empty'],
    ['.', 'name "." refused: it is not a plain file name (it is "." or "..")'],
    ['..', 'name ".." refused: it is not a plain file name (it is "." or "..")'],
    ['a\0b', 'name "a\\u0000b" refused: it contains a NUL character'],
    // Its start and its end, which says what the file is (found by a session: the end was cut).
    [
      `${'x'.repeat(256)}.iso`,
      `name "${'x'.repeat(56)}…${'x'.repeat(19)}.iso" refused: it is longer than 255 bytes in UTF-8`,
    ],
    [
      '.bt-tui',
      'name ".bt-tui" refused: names starting with ".bt-tui" are reserved for bt-tui\'s own files',
    ],
  ];
  for (const [name, reason] of hostile) {
    test(`refuses the hostile name ${JSON.stringify(name.slice(0, 20))} with the exact reason`, async () => {
      const folder = await openNodeFolder(await freshFilesDir(), 3);
      assert.deepEqual(await folder.resolve(name), { ok: false, reason });
    });
  }

  test('resolves a plain name that does not exist yet to a path inside the folder', async () => {
    const folder = await openNodeFolder(await freshFilesDir(), 3);
    assert.deepEqual(await folder.resolve('new.iso'), {
      ok: true,
      path: join(folder.path, 'new.iso'),
    });
  });

  test('resolves an existing regular file to its real path', async () => {
    const folder = await openNodeFolder(await freshFilesDir(), 3);
    await writeFile(join(folder.path, 'ünïcødé.txt'), 'hello');
    assert.deepEqual(await folder.resolve('ünïcødé.txt'), {
      ok: true,
      path: join(folder.path, 'ünïcødé.txt'),
    });
  });

  test('refuses a symlink to a file outside the folder, naming the folder', async () => {
    const filesDir = await freshFilesDir();
    const folder = await openNodeFolder(filesDir, 3);
    const outside = join(root, 'secret.txt');
    await writeFile(outside, 'secret');
    await symlink(outside, join(folder.path, 'x'));
    assert.deepEqual(await folder.resolve('x'), {
      ok: false,
      reason: `name "x" refused: it is a link to a file outside ${join(filesDir, 'node3')}`,
    });
  });

  test('refuses a symlink that climbs out with a relative target', async () => {
    const filesDir = await freshFilesDir();
    const folder = await openNodeFolder(filesDir, 3);
    const other = await openNodeFolder(filesDir, 4);
    await writeFile(join(other.path, 'theirs.bin'), 'theirs');
    await symlink('../node4/theirs.bin', join(folder.path, 'mine.bin'));
    const resolved = await folder.resolve('mine.bin');
    assert.equal(resolved.ok, false);
  });

  test('accepts a symlink whose real path stays directly in the folder', async () => {
    const folder = await openNodeFolder(await freshFilesDir(), 3);
    await writeFile(join(folder.path, 'real.bin'), 'content');
    await symlink('real.bin', join(folder.path, 'alias.bin'));
    assert.deepEqual(await folder.resolve('alias.bin'), {
      ok: true,
      path: join(folder.path, 'real.bin'),
    });
  });

  test('refuses links into a subfolder or into the state folder', async () => {
    const folder = await openNodeFolder(await freshFilesDir(), 3);
    await mkdir(join(folder.path, 'sub'));
    await writeFile(join(folder.path, 'sub', 'deep.bin'), 'deep');
    await writeFile(join(folder.stateDir, 'node.key'), 'key');
    await symlink('sub/deep.bin', join(folder.path, 'deep-link'));
    await symlink('.bt-tui/node.key', join(folder.path, 'key-link'));
    for (const name of ['deep-link', 'key-link']) {
      const resolved = await folder.resolve(name);
      assert.equal(resolved.ok, false, name);
    }
  });

  test('refuses a dangling link and a folder', async () => {
    const folder = await openNodeFolder(await freshFilesDir(), 3);
    await symlink('missing.bin', join(folder.path, 'dangling'));
    await mkdir(join(folder.path, 'dir'));
    assert.deepEqual(await folder.resolve('dangling'), {
      ok: false,
      reason: 'name "dangling" refused: it is a link to a file that does not exist',
    });
    assert.deepEqual(await folder.resolve('dir'), {
      ok: false,
      reason: 'name "dir" refused: it is a folder, not a file',
    });
  });
});

describe('NodeFolder.listFiles', () => {
  test('lists regular files with size and mtime, hiding .bt-tui, *.part, dotfiles and folders', async () => {
    const filesDir = await freshFilesDir();
    const folder = await openNodeFolder(filesDir, 3);
    await writeFile(join(folder.path, 'b.iso'), Buffer.alloc(1000));
    await writeFile(join(folder.path, 'a.txt'), 'abc');
    await writeFile(join(folder.path, '.hidden'), 'x');
    await writeFile(join(folder.path, 'c.iso.part'), 'partial');
    await mkdir(join(folder.path, 'sub'));
    await symlink('a.txt', join(folder.path, 'inside-link'));
    await writeFile(join(root, 'outside.bin'), 'outside');
    await symlink(join(root, 'outside.bin'), join(folder.path, 'outside-link'));
    const files = (await folder.listNow()).files;
    assert.deepEqual(
      files.map(({ name, sizeBytes }) => ({ name, sizeBytes })),
      [
        { name: 'a.txt', sizeBytes: 3 },
        { name: 'b.iso', sizeBytes: 1000 },
        { name: 'inside-link', sizeBytes: 3 },
      ],
    );
    const aStat = await stat(join(folder.path, 'a.txt'));
    assert.equal(files[0]?.mtimeMs, aStat.mtimeMs);
  });
});

describe('writeFileAtomically', () => {
  test('replaces the content with the given mode and leaves no temp file behind', async () => {
    const dir = await freshFilesDir();
    const path = join(dir, 'state.json');
    await writeFileAtomically(path, 'one');
    await writeFileAtomically(path, 'two', 0o600);
    assert.deepEqual(await readdir(dir), ['state.json']);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  test('writes a file whose name leaves no room for the usual temp name beside it', async () => {
    const dir = await freshFilesDir();
    const name = `${'n'.repeat(250)}.json`;
    await writeFileAtomically(join(dir, name), 'one');
    assert.deepEqual(await readdir(dir), [name]);
    assert.equal(await readFile(join(dir, name), 'utf8'), 'one');
  });
});

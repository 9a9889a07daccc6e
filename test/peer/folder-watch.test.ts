import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { FolderWatch } from '../../source/peer/folder-watch.ts';

const root = await mkdtemp(join(tmpdir(), 'bt-tui-watch-'));
after(() => rm(root, { recursive: true, force: true }));

const NFS = 0x6969;
const hidden = (name: string) => name.startsWith('.') || name.endsWith('.part');

test('a folder on NFS is not watched, and says why', async () => {
  const watch = new FolderWatch(root, hidden, async () => NFS);
  await watch.set(true, 'd:1', 1_000);
  assert.equal(
    watch.whyUnavailable,
    'the folder is on NFS, whose changes this machine is not told of',
  );
  await writeFile(join(root, 'a.bin'), 'x');
  await setTimeout(50);
  assert.deepEqual(watch.take(), { names: new Set(), everything: false, sinceMs: Number.NaN });
  watch.close();
});

test('names written are reported once; hidden and part files are not; off, nothing is', async () => {
  const watch = new FolderWatch(root, hidden, async () => undefined);
  await watch.set(true, 'd:1', 1_000);
  assert.equal(watch.whyUnavailable, null);
  await writeFile(join(root, 'b.bin'), 'x');
  await writeFile(join(root, 'b.bin.part'), 'x');
  await writeFile(join(root, '.hidden'), 'x');
  await setTimeout(50);
  assert.deepEqual(watch.take(), { names: new Set(['b.bin']), everything: false, sinceMs: 1_000 });
  assert.deepEqual(watch.take().names, new Set(), 'taken once');
  // Off while a download writes into the folder: no watch, no events, no time it began.
  await watch.set(false, 'd:1', 2_000);
  await writeFile(join(root, 'c.bin'), 'x');
  await setTimeout(50);
  assert.deepEqual(watch.take(), { names: new Set(), everything: false, sinceMs: Number.NaN });
  // On again: a new watch, begun at its own time.
  await watch.set(true, 'd:1', 3_000);
  assert.equal(watch.take().sinceMs, 3_000);
  watch.close();
  await watch.set(true, 'd:1', 4_000);
  assert.equal(watch.take().sinceMs, Number.NaN, 'closed for good');
});

test('a folder gone when the watch begins is watched once it is back', async () => {
  const later = join(root, 'later');
  const watch = new FolderWatch(later, hidden, async () => undefined);
  await watch.set(true, 'd:2', 1_000);
  assert.equal(watch.whyUnavailable, null, 'not given up for good');
  assert.equal(watch.take().sinceMs, Number.NaN);
  await mkdir(later);
  await watch.set(true, 'd:2', 2_000);
  await writeFile(join(later, 'd.bin'), 'x');
  await setTimeout(50);
  assert.deepEqual(watch.take(), { names: new Set(['d.bin']), everything: false, sinceMs: 2_000 });
  watch.close();
});

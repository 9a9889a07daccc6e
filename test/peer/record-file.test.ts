/**
 * A node's small records (seeding.json, the downloads and credits records) are written one write
 * after the other, and changes asked for before a write begins share it: `a` on 5,000 files wrote
 * seeding.json 5,000 times, each of every name (O(n²)).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { QueuedFileWriter } from '../../source/peer/record-file.ts';

const root = await mkdtemp(join(tmpdir(), 'bt-tui-record-'));
after(() => rm(root, { recursive: true, force: true }));

test('changes asked for together share one write, rendered as things stand when it begins', async () => {
  const path = join(root, 'names.json');
  const file = new QueuedFileWriter(path);
  const names: string[] = [];
  let renders = 0;
  const render = () => {
    renders++;
    return JSON.stringify(names);
  };
  const outcomes: Promise<string | null>[] = [];
  for (let i = 0; i < 1_000; i++) {
    names.push(`file-${i}`);
    outcomes.push(file.write(render));
  }
  // Each change is on disk once its own promise settles.
  const first = await outcomes[0];
  assert.equal(first, null);
  assert.equal(JSON.parse(await readFile(path, 'utf8')).length, 1_000);
  assert.deepEqual(new Set(await Promise.all(outcomes)), new Set([null]));
  assert.equal(renders, 1);
  assert.equal(await file.latest, null);
});

test('a change while a write runs goes into the next one; the file ends as the last change left it', async () => {
  const path = join(root, 'order.json');
  const file = new QueuedFileWriter(path);
  let value = 'one';
  const firstWrite = file.write(() => value);
  // Let the first write begin, then change twice: the second write takes both along.
  await new Promise((resolve) => setTimeout(resolve, 150));
  value = 'two';
  const second = file.write(() => value);
  value = 'three';
  const third = file.write(() => value);
  assert.equal(second, third);
  assert.equal(await firstWrite, null);
  assert.equal(await third, null);
  assert.equal(await readFile(path, 'utf8'), 'three');
});

test('a write that fails says why, and the next one after the folder is back lands', async () => {
  const folder = join(root, 'gone');
  const file = new QueuedFileWriter(join(folder, 'record.json'));
  const failed = await file.write(() => 'x');
  assert.match(failed ?? '', /^ENOENT/);
  await mkdir(folder);
  assert.equal(await file.write(() => 'y'), null);
  assert.equal(await readFile(join(folder, 'record.json'), 'utf8'), 'y');
});

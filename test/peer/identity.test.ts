import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadOrCreateNodeKey, NODE_KEY_FILE } from '../../source/peer/identity.ts';
import { openNodeFolder } from '../../source/peer/node-folder.ts';
import { NODE_KEY_BYTES } from '../../source/protocol/messages.ts';

const root = await mkdtemp(join(tmpdir(), 'bt-tui-identity-'));
after(() => rm(root, { recursive: true, force: true }));

test('creates a 16-byte key readable only by its owner on first run, and keeps it', async () => {
  const folder = await openNodeFolder(root, 1);
  const key = await loadOrCreateNodeKey(folder);
  assert.equal(key.length, NODE_KEY_BYTES);
  const keyPath = join(folder.stateDir, NODE_KEY_FILE);
  assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
  assert.deepEqual(await readFile(keyPath), key);
  assert.deepEqual(await loadOrCreateNodeKey(folder), key);
  assert.deepEqual(await readdir(folder.stateDir), [NODE_KEY_FILE]);
});

test('gives different nodes different keys', async () => {
  const a = await loadOrCreateNodeKey(await openNodeFolder(root, 2));
  const b = await loadOrCreateNodeKey(await openNodeFolder(root, 3));
  assert.notDeepEqual(a, b);
});

test('replaces a key file of the wrong length with a new key', async () => {
  const folder = await openNodeFolder(root, 4);
  const keyPath = join(folder.stateDir, NODE_KEY_FILE);
  await writeFile(keyPath, Buffer.alloc(5, 7));
  const key = await loadOrCreateNodeKey(folder);
  assert.equal(key.length, NODE_KEY_BYTES);
  assert.deepEqual(await readFile(keyPath), key);
  assert.deepEqual(await loadOrCreateNodeKey(folder), key);
});

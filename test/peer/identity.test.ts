import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  IDENTITY_KEY_FILE,
  IDENTITY_PUBLIC_FILE,
  identityFromSeed,
  LEGACY_NODE_KEY_FILE,
  loadOrCreateIdentity,
} from '../../source/peer/identity.ts';
import { openNodeFolder } from '../../source/peer/node-folder.ts';
import { PUBLIC_KEY_BYTES } from '../../source/protocol/messages.ts';
import { registrationSigningBytes, verifyEd25519 } from '../../source/protocol/signatures.ts';

const root = await mkdtemp(join(tmpdir(), 'bt-tui-identity-'));
after(() => rm(root, { recursive: true, force: true }));

const CHALLENGE = Buffer.alloc(32, 0x5c);

test('creates an Ed25519 key pair on first run (private key 0600) and keeps it', async () => {
  const folder = await openNodeFolder(root, 1);
  const first = await loadOrCreateIdentity(folder);
  assert.equal(first.source, 'created');
  assert.equal(first.identity.publicKey.length, PUBLIC_KEY_BYTES);
  const keyPath = join(folder.stateDir, IDENTITY_KEY_FILE);
  assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
  assert.match(await readFile(keyPath, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(
    await readFile(join(folder.stateDir, IDENTITY_PUBLIC_FILE), 'utf8'),
    `${first.identity.publicKey.toString('hex')}\n`,
  );
  const again = await loadOrCreateIdentity(folder);
  assert.equal(again.source, 'loaded');
  assert.deepEqual(again.identity.publicKey, first.identity.publicKey);
  assert.deepEqual((await readdir(folder.stateDir)).sort(), [
    IDENTITY_KEY_FILE,
    IDENTITY_PUBLIC_FILE,
  ]);
});

test('signs what the tracker verifies, under the registration context only', async () => {
  const { identity } = await loadOrCreateIdentity(await openNodeFolder(root, 5));
  const signed = registrationSigningBytes(CHALLENGE);
  const signature = identity.sign(signed);
  assert.equal(verifyEd25519(identity.publicKey, signed, signature), true);
  assert.equal(verifyEd25519(identity.publicKey, CHALLENGE, identity.sign(CHALLENGE)), true);
  assert.equal(verifyEd25519(identity.publicKey, signed, identity.sign(CHALLENGE)), false);
  const other = identityFromSeed(Buffer.alloc(32, 1));
  assert.equal(verifyEd25519(other.publicKey, signed, signature), false);
  assert.equal(verifyEd25519(Buffer.alloc(32, 0xff), signed, signature), false);
  assert.equal(verifyEd25519(identity.publicKey, signed, signature.subarray(1)), false);
});

test('gives different nodes different keys', async () => {
  const a = await loadOrCreateIdentity(await openNodeFolder(root, 2));
  const b = await loadOrCreateIdentity(await openNodeFolder(root, 3));
  assert.notDeepEqual(a.identity.publicKey, b.identity.publicKey);
});

test('replaces a corrupt key file with a new pair, and supersedes an old node.key', async () => {
  const folder = await openNodeFolder(root, 4);
  await writeFile(join(folder.stateDir, IDENTITY_KEY_FILE), 'not a key');
  await writeFile(join(folder.stateDir, LEGACY_NODE_KEY_FILE), Buffer.alloc(16, 7));
  const replaced = await loadOrCreateIdentity(folder);
  assert.equal(replaced.source, 'replaced');
  const again = await loadOrCreateIdentity(folder);
  assert.deepEqual(again.identity.publicKey, replaced.identity.publicKey);
  assert.deepEqual((await readdir(folder.stateDir)).sort(), [
    IDENTITY_KEY_FILE,
    IDENTITY_PUBLIC_FILE,
  ]);
});

test('a public key file that does not match the private key is rewritten', async () => {
  const folder = await openNodeFolder(root, 6);
  const { identity } = await loadOrCreateIdentity(folder);
  await writeFile(join(folder.stateDir, IDENTITY_PUBLIC_FILE), 'ff\n');
  await loadOrCreateIdentity(folder);
  assert.equal(
    await readFile(join(folder.stateDir, IDENTITY_PUBLIC_FILE), 'utf8'),
    `${identity.publicKey.toString('hex')}\n`,
  );
});

/**
 * The node's identity: an Ed25519 key pair kept in its state folder. The tracker binds the node
 * id to the public key, and the node proves it holds the private key by signing the tracker's
 * challenge, so no reusable secret ever crosses the wire and a restarted (or moved) node takes
 * its id back at once. The same key is meant to authenticate encrypted peer links later: every
 * signature names its purpose (protocol/signatures.ts), so one use can never stand in for another.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { rawEd25519PublicKey } from '../protocol/signatures.ts';
import { type NodeFolder, writeFileAtomically } from './node-folder.ts';

/** The private key, PKCS#8 PEM, mode 0600. */
export const IDENTITY_KEY_FILE = 'identity.key';
/** The public key, raw 32 bytes as hex (for a person, or a tracker operator): derived, rewritten. */
export const IDENTITY_PUBLIC_FILE = 'identity.pub';
/** The reusable secret of earlier versions: superseded by the key pair and removed. */
export const LEGACY_NODE_KEY_FILE = 'node.key';

/** What a node can do with its identity. */
export interface NodeIdentity {
  /** Raw 32-byte Ed25519 public key: what the tracker stores. */
  readonly publicKey: Buffer;
  /** Ed25519 signature of `message` (64 bytes). */
  sign(message: Buffer): Buffer;
  /** The private key as the key file holds it (PKCS#8 PEM). */
  readonly keyPem: string;
}

/** How the identity was found: `created` new, or `replaced` an unreadable key file. */
export type IdentitySource = 'loaded' | 'created' | 'replaced';

/** Why a key file is not a usable Ed25519 private key, or the key. */
function parsePrivateKey(pem: Buffer): ReturnType<typeof createPrivateKey> | null {
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}

async function readIfPresent(path: string): Promise<Buffer | null> {
  return readFile(path).catch((error: unknown) => {
    if ((error as { code?: unknown } | null)?.code === 'ENOENT') return null;
    throw error;
  });
}

function identityOf(privateKey: ReturnType<typeof createPrivateKey>): NodeIdentity {
  const publicKey = rawEd25519PublicKey(createPublicKey(privateKey));
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { publicKey, sign: (message) => sign(null, message, privateKey), keyPem };
}

/** PKCS#8 DER header of an Ed25519 private key (RFC 8410): these 16 bytes, then the seed. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A new identity, saved nowhere (tests and benches: a node that is not in a folder). */
export function generateIdentity(): NodeIdentity {
  return identityOf(generateKeyPairSync('ed25519').privateKey);
}

/** The identity whose private key is this 32-byte seed (tests and benches: reproducible keys). */
export function identityFromSeed(seed: Buffer): NodeIdentity {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const der = Buffer.concat([ED25519_PKCS8_PREFIX, seed]);
  return identityOf(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
}

/**
 * The node's identity from `<stateDir>/identity.key`, created on first run (atomically, mode
 * 0600). A key file that is not an Ed25519 private key is replaced by a new one: the node then
 * looks new to the tracker (its old id is free again once the tracker drops it), which is the
 * best it can do. An old `node.key` is removed: nothing uses it any more.
 */
export async function loadOrCreateIdentity(
  folder: NodeFolder,
): Promise<{ identity: NodeIdentity; source: IdentitySource }> {
  const keyPath = join(folder.stateDir, IDENTITY_KEY_FILE);
  const existing = await readIfPresent(keyPath);
  const privateKey = existing === null ? null : parsePrivateKey(existing);
  const source: IdentitySource =
    privateKey !== null ? 'loaded' : existing === null ? 'created' : 'replaced';
  const identity = privateKey === null ? generateIdentity() : identityOf(privateKey);
  await writeIdentity(folder.stateDir, identity);
  await rm(join(folder.stateDir, LEGACY_NODE_KEY_FILE), { force: true });
  return { identity, source };
}

/**
 * Writes the key files of `identity` into `stateDir` where they differ from it: on first run, and
 * when the node folder was deleted and made again while the node ran (the node keeps its key).
 */
export async function writeIdentity(stateDir: string, identity: NodeIdentity): Promise<void> {
  const keyPath = join(stateDir, IDENTITY_KEY_FILE);
  const existing = await readIfPresent(keyPath);
  const existingKey = existing === null ? null : parsePrivateKey(existing);
  // A key file written by another tool (its own PEM layout) with this very key stays as it is.
  if (
    existingKey === null ||
    !rawEd25519PublicKey(createPublicKey(existingKey)).equals(identity.publicKey)
  ) {
    await writeFileAtomically(keyPath, identity.keyPem, 0o600);
  }
  const publicText = `${identity.publicKey.toString('hex')}\n`;
  const publicPath = join(stateDir, IDENTITY_PUBLIC_FILE);
  if ((await readIfPresent(publicPath))?.toString('utf8') !== publicText) {
    await writeFileAtomically(publicPath, publicText, 0o644);
  }
}

/**
 * The node key: a secret kept across restarts so that the tracker lets a restarted node take its
 * own id back (a crashed node's id is still "alive" at the tracker until two sweeps pass).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NODE_KEY_BYTES } from '../protocol/messages.ts';
import { type NodeFolder, writeFileAtomically } from './node-folder.ts';

/** File name of the key inside the node's state folder. */
export const NODE_KEY_FILE = 'node.key';

/**
 * The node's key from `<stateDir>/node.key`, created on first run (mode 0600, atomically). A key
 * file of the wrong length is corrupt and is replaced: the node then looks new to the tracker,
 * which is the best it can do.
 */
export async function loadOrCreateNodeKey(folder: NodeFolder): Promise<Buffer> {
  const keyPath = join(folder.stateDir, NODE_KEY_FILE);
  const existing = await readFile(keyPath).catch((error: unknown) => {
    if ((error as { code?: unknown } | null)?.code === 'ENOENT') return null;
    throw error;
  });
  if (existing !== null && existing.length === NODE_KEY_BYTES) return existing;
  const key = randomBytes(NODE_KEY_BYTES);
  await writeFileAtomically(keyPath, key, 0o600);
  return key;
}

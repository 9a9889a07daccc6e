/**
 * Files for swarm tests: deterministic random content (the same seed gives the same bytes, so a
 * failure can be replayed), SHA-256 of a file, and temp folders that are always removed.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Files are written in chunks of this size: memory stays flat for any file size. */
const WRITE_CHUNK_BYTES = 1024 * 1024;

/**
 * Writes `sizeBytes` pseudo-random bytes derived from `seed` (AES-128-CTR keystream: fast, and
 * every seed gives different bytes). Returns the SHA-256 of what was written, in hex.
 */
export async function writeRandomFile(
  path: string,
  sizeBytes: number,
  seed: number,
): Promise<string> {
  const key = createHash('sha256').update(`bt-tui test file ${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(WRITE_CHUNK_BYTES);
  const hash = createHash('sha256');
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < sizeBytes; ) {
      const length = Math.min(WRITE_CHUNK_BYTES, sizeBytes - written);
      const chunk = cipher.update(zeros.subarray(0, length));
      hash.update(chunk);
      await handle.write(chunk, 0, chunk.length, written);
      written += length;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** SHA-256 of a file's bytes, in hex (streamed). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A fresh folder under the system temp dir, and the function that removes it. */
export async function makeTempDir(
  prefix: string,
): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `bt-tui-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

import { createHash, randomFillSync } from 'node:crypto';
import { copyFileSync, createReadStream, linkSync, mkdirSync, statfsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

export const MiB = 1024 * 1024;

/** The file a swarm shares: where the original is, its name, size and SHA-256. */
export interface SwarmFile {
  path: string;
  name: string;
  sizeBytes: number;
  sha256: string;
}

/** Writes a file of `sizeMiB` random MiB as `<dir>/source/bench-<size>.bin`, hashed on the way. */
export async function createSwarmFile(dir: string, sizeMiB: number): Promise<SwarmFile> {
  const name = `bench-${sizeMiB}MiB.bin`;
  const path = join(dir, 'source', name);
  mkdirSync(join(dir, 'source'), { recursive: true });
  const sizeBytes = Math.round(sizeMiB * MiB);
  const sha256 = await writeRandomFile(path, sizeBytes);
  return { path, name, sizeBytes, sha256 };
}

/** Random data is written in chunks of this size: big enough to be fast, small enough to be flat. */
const WRITE_CHUNK_BYTES = 4 * MiB;

/** Writes `sizeBytes` of random bytes to `path` and returns their SHA-256 (hex). */
export async function writeRandomFile(path: string, sizeBytes: number): Promise<string> {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
  const file = await open(path, 'wx');
  try {
    for (let written = 0; written < sizeBytes; ) {
      const length = Math.min(WRITE_CHUNK_BYTES, sizeBytes - written);
      const part = chunk.subarray(0, length);
      randomFillSync(part);
      hash.update(part);
      await file.write(part, 0, length, written);
      written += length;
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/** SHA-256 (hex) of a file, streamed; null if it cannot be read. */
export async function sha256OfFile(path: string): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: WRITE_CHUNK_BYTES })) {
      hash.update(chunk as Buffer);
    }
  } catch {
    return null;
  }
  return hash.digest('hex');
}

/** Gives `to` the content of `from` without using space (hard link), copying across devices. */
export function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** Bytes an unprivileged writer may still use on the file system holding `path`. */
export function availableBytes(path: string): number {
  const stats = statfsSync(path);
  return stats.bavail * stats.bsize;
}

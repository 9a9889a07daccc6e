/**
 * Metainfo of seeded files, cached in `<stateDir>/meta/<name>.json` so a restarted node does not
 * hash gigabytes again. An entry is trusted only while the file's size, mtime and ctime are
 * unchanged; anything odd about it means "hash again", never an error. The ctime since
 * 2026-12-07: a file edited in place with its mtime put back (`touch -r`, a sync tool) was
 * seeded under its old metainfo, and every downloader banned the node for its bad pieces (found
 * by a session). Nothing but the kernel sets a ctime; entries without one are hashed again.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { makeFolder } from '../make-folder.ts';
import { MAX_NAME_BYTES } from '../protocol/messages.ts';
import {
  decodeMetainfo,
  infohashOf,
  MAX_METAINFO_BYTES,
  type Metainfo,
} from '../protocol/metainfo.ts';
import { type NodeFolder, writeFileAtomically } from './node-folder.ts';

/** The stat a cache entry is valid for. */
export interface FileStamp {
  sizeBytes: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** A cache hit: the decoded metainfo, its canonical bytes and infohash. */
export interface CachedMetainfo {
  metainfo: Metainfo;
  encoded: Buffer;
  infohash: Buffer;
}

const CACHE_DIR_NAME = 'meta';
const CACHE_SUFFIX = '.json';
/** base64 of the largest metainfo plus the JSON around it; a bigger file is not ours to parse. */
const MAX_CACHE_FILE_BYTES = Math.ceil((MAX_METAINFO_BYTES * 4) / 3) + 4096;

/**
 * `<name>.json` is one plain component because names are validated. A name within 5 bytes of
 * NAME_MAX would not fit with the suffix, so it is cached under a hash of itself instead; a
 * collision only costs a re-hash, as the entry's metainfo name is checked on load.
 */
function cachePath(folder: NodeFolder, name: string): string {
  const fileName =
    Buffer.byteLength(name, 'utf8') + CACHE_SUFFIX.length <= MAX_NAME_BYTES
      ? `${name}${CACHE_SUFFIX}`
      : `~${createHash('sha256').update(name).digest('hex')}${CACHE_SUFFIX}`;
  return join(folder.stateDir, CACHE_DIR_NAME, fileName);
}

/**
 * The cached metainfo of `name` if it still describes a file with this stat, else null; with
 * `stat` null, the last one cached for the name, whatever the file is now (one gone: what the
 * tracker was told of it).
 */
export async function loadCachedMetainfo(
  folder: NodeFolder,
  name: string,
  stat: FileStamp | null,
): Promise<CachedMetainfo | null> {
  const text = await readBounded(cachePath(folder, name));
  if (text === null) return null;
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof entry !== 'object' || entry === null) return null;
  const { sizeBytes, mtimeMs, ctimeMs, metainfo } = entry as Record<string, unknown>;
  const same =
    stat === null ||
    (sizeBytes === stat.sizeBytes && mtimeMs === stat.mtimeMs && ctimeMs === stat.ctimeMs);
  if (!same || typeof metainfo !== 'string') return null;
  const encoded = Buffer.from(metainfo, 'base64');
  // Buffer's base64 decoder skips bad characters; a damaged entry must not half-decode.
  if (encoded.toString('base64') !== metainfo) return null;
  const decoded = decodeMetainfo(encoded);
  if (!decoded.ok) return null;
  if (
    decoded.metainfo.name !== name ||
    decoded.metainfo.sizeBytes !== (stat?.sizeBytes ?? sizeBytes)
  )
    return null;
  return { metainfo: decoded.metainfo, encoded, infohash: infohashOf(encoded) };
}

/** Saves the metainfo of `name` for a file with this stat (atomic: temp file + rename). */
export async function saveCachedMetainfo(
  folder: NodeFolder,
  name: string,
  stat: FileStamp,
  encoded: Buffer,
): Promise<void> {
  const path = cachePath(folder, name);
  await makeFolder(join(folder.stateDir, CACHE_DIR_NAME));
  const entry = {
    sizeBytes: stat.sizeBytes,
    mtimeMs: stat.mtimeMs,
    ctimeMs: stat.ctimeMs,
    metainfo: encoded.toString('base64'),
  };
  // Not flushed: a crash can leave an entry empty or cut, which loads as a miss (a hash again).
  // Flushed, `a` on 5,000 small files waited for 5,000 flushes, one after the other.
  await writeFileAtomically(path, `${JSON.stringify(entry)}\n`, 0o644, { flush: false });
}

/** The file's text, or null if it is missing, unreadable or larger than any valid entry. */
async function readBounded(path: string): Promise<string | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_CACHE_FILE_BYTES) return null;
    return await handle.readFile('utf8');
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

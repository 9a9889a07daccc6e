import { mkdirSync, readlinkSync, statSync } from 'node:fs';
import { mkdir, readlink, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/*
 * `mkdir -p` one level at a time. Node's own recursive mkdir never returns on Linux where a
 * parent exists but cannot hold the child (a path under /proc, a dangling symlink to a disk not
 * mounted): mkdir answers ENOENT for the child, EEXIST for the parent, and Node tries the child
 * again, forever, at full CPU (Node 20; `--logs /proc/x` hung a peer with no output). Here each
 * missing parent is made on its own, and a second ENOENT for the same folder is the answer.
 */

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}

/** What mkdir says of a file in the way, in Node's words: EEXIST alone reads as success. */
function notAFolder(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), {
    code: 'ENOTDIR',
    syscall: 'mkdir',
    path,
  });
}

/**
 * What stands at `path` where mkdir said EEXIST but stat cannot reach it: a link to nowhere (a
 * disk not mounted), or a loop of links. Followed by hand it would make a folder on the wrong
 * disk; the errno alone (`ENOENT … stat`) read as if the path itself were missing.
 */
function brokenLink(path: string, target: string | null, error: unknown): unknown {
  const code = codeOf(error);
  if (code !== 'ENOENT' && code !== 'ELOOP') return error;
  const what = target === null ? 'a link' : `a link to ${target}`;
  const why = code === 'ELOOP' ? 'which leads back to itself' : 'which does not exist';
  return Object.assign(new Error(`${path} is ${what}, ${why}`), { code, path });
}

/** Makes `path` and any missing parents; a folder already there is fine, a file is not. */
export async function makeFolder(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    if (codeOf(error) === 'EEXIST') {
      const info = await stat(path).catch(async (reason: unknown) => {
        throw brokenLink(path, await readlink(path).catch(() => null), reason);
      });
      if (info.isDirectory()) return;
      throw notAFolder(path);
    }
    const parent = dirname(path);
    if (codeOf(error) !== 'ENOENT' || parent === path) throw error;
    await makeFolder(parent);
    await mkdir(path).catch((again: unknown) => {
      if (codeOf(again) !== 'EEXIST') throw again;
    });
  }
}

/** makeFolder() for the few places that must not wait (a logger's constructor). */
export function makeFolderSync(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    if (codeOf(error) === 'EEXIST') {
      let isFolder: boolean;
      try {
        isFolder = statSync(path).isDirectory();
      } catch (reason) {
        throw brokenLink(path, linkTargetSync(path), reason);
      }
      if (isFolder) return;
      throw notAFolder(path);
    }
    const parent = dirname(path);
    if (codeOf(error) !== 'ENOENT' || parent === path) throw error;
    makeFolderSync(parent);
    try {
      mkdirSync(path);
    } catch (again) {
      if (codeOf(again) !== 'EEXIST') throw again;
    }
  }
}

function linkTargetSync(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

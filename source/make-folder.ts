import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
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

/** Makes `path` and any missing parents; a folder already there is fine, a file is not. */
export async function makeFolder(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    if (codeOf(error) === 'EEXIST') {
      if ((await stat(path)).isDirectory()) return;
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
      if (statSync(path).isDirectory()) return;
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

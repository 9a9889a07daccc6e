import { lstat } from 'node:fs/promises';
import { makeFolder } from '../make-folder.ts';
import { A_PART_IS_A_FILE, NOT_A_FOLDER } from './files-dir.ts';

/**
 * Makes the folder a flag names (--logs, a tracker's --db) before anything uses it. A folder
 * that cannot be made is a bad flag, said in one line (exit 2): the logger would otherwise throw
 * from its constructor (a stack trace), Node's own recursive mkdir never returned for `--logs
 * /proc/x` (see make-folder.ts), and a --db that is a file said `cannot open …` with exit 1, as
 * a broken database does (until 2026-12-06).
 */
export async function prepareFolder(flag: '--logs' | '--db', path: string): Promise<string | null> {
  try {
    await makeFolder(path);
    return null;
  } catch (error) {
    return `${flag} ${path}: ${await whyNoFolder(path, error)}`;
  }
}

/** In the words `--files` uses for the same mistakes; Node's own words for anything else. */
async function whyNoFolder(path: string, error: unknown): Promise<string> {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOTDIR') {
    const there = await lstat(path).catch(() => null);
    return there === null ? A_PART_IS_A_FILE : NOT_A_FOLDER;
  }
  if (code === 'EACCES' || code === 'EPERM') return 'cannot make the folder (permission denied)';
  return `cannot make the folder (${(error as Error).message})`;
}

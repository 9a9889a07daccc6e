import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

/** What a folder flag says of a file where its folder should be: `--files`, `--logs`, `--db`. */
export const NOT_A_FOLDER = 'not a folder';
export const A_PART_IS_A_FILE = 'a part of the path is a file, not a folder';

/**
 * What is wrong with `--files DIR`, or null. The default folder is created when missing (a
 * first run); any other folder must exist: a mistyped path would otherwise become a new empty
 * folder, and the node would quietly seed nothing and download somewhere nobody looks.
 */
export async function checkFilesDir(filesDir: string, defaultDir: string): Promise<string | null> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(filesDir);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' && resolve(filesDir) === resolve(defaultDir)) return null;
    if (code === 'ENOENT')
      return `--files ${filesDir}: no such folder (create it first; only the default ${defaultDir} is created for you)`;
    if (code === 'ENOTDIR') return `--files ${filesDir}: ${A_PART_IS_A_FILE}`;
    return `--files ${filesDir}: cannot be read (${String(code ?? error)})`;
  }
  if (!info.isDirectory()) return `--files ${filesDir}: ${NOT_A_FOLDER}`;
  return null;
}

/**
 * Writes `content` over a file's own bytes, from its start, and cuts it there. Where the file
 * already holds as many bytes (a resume record, a lock), no new block is needed: it works on a
 * full disk, where a new copy to rename into place does not. Not atomic: a crash in the middle
 * leaves old and new bytes mixed; each caller says why that is safe for its file.
 */
import { open } from 'node:fs/promises';

export async function writeInPlace(path: string, content: string): Promise<void> {
  const bytes = Buffer.from(content);
  const handle = await open(path, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.truncate(bytes.length);
  } finally {
    await handle.close();
  }
}

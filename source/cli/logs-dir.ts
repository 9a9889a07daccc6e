import { makeFolder } from '../make-folder.ts';

/**
 * Makes the --logs folder before anything logs to it. A folder that cannot be made is a bad
 * flag, said in one line: the logger would otherwise throw from its constructor (a stack trace),
 * and Node's own recursive mkdir never returned for `--logs /proc/x` (see make-folder.ts).
 */
export async function prepareLogsDir(logsDir: string): Promise<string | null> {
  try {
    await makeFolder(logsDir);
    return null;
  } catch (error) {
    return `--logs ${logsDir}: cannot make the folder (${(error as Error).message})`;
  }
}

import { readFileSync } from 'node:fs';

/** The text of a kernel file such as /proc/net/snmp, or null where it cannot be read. */
export function readProcText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

import { readFileSync } from 'node:fs';

/** The text of a kernel file such as /proc/net/snmp, or null where it cannot be read. */
export function readProcText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The fields of /proc/PID/stat after the command name (which is in parentheses and may hold
 * spaces): state, ppid, pgrp, session, tty_nr, tpgid, … (field 3 of proc(5) first). Null where
 * there is no such process, or no /proc.
 */
export function procStatFields(pid: number | 'self'): string[] | null {
  const stat = readProcText(`/proc/${pid}/stat`);
  return stat === null ? null : stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Per-socket drop counts. /proc/net/snmp's RcvbufErrors is machine-wide: any other program's
 * UDP losses (a test suite with fault injection) land in it too. /proc/net/udp has a `drops`
 * column per socket, so the leecher's own losses can be told apart, read while it runs.
 */
const UDP_TABLES = ['/proc/net/udp', '/proc/net/udp6'];

/** Pids of a process's direct children (e.g. the program GNU time runs). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Socket inodes a process holds open, from its fd symlinks `socket:[INODE]`. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // The fd closed while we looked: skip it.
    }
  }
  return inodes;
}

/**
 * Datagrams the kernel dropped on the UDP sockets of `pid` (summed), or null when the process
 * is gone or holds no UDP socket.
 */
export function udpSocketDrops(pid: number): number | null {
  const inodes = socketInodes(pid);
  if (inodes.size === 0) return null;
  let drops: number | null = null;
  for (const table of UDP_TABLES) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    // Columns: sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops.
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 13 || !inodes.has(fields[9]!)) continue;
      drops = (drops ?? 0) + Number(fields[fields.length - 1]);
    }
  }
  return drops;
}

import { readProcText } from './proc-text.ts';

/**
 * Datagrams this host (its network namespace) holds in part, waiting for their other IP
 * fragments: `FRAG: inuse N memory M` in /proc/net/sockstat. A fragmented datagram is put
 * together within microseconds of its last fragment, so only a few are ever in progress; one
 * that lost a fragment stays for 30 s (ipfrag_time). Many of them mean fragments are being lost.
 */
const SOCKSTAT_PATH = '/proc/net/sockstat';

/** How many datagrams wait for fragments now, or null where it cannot be read (not Linux). */
export function readFragmentQueues(path: string = SOCKSTAT_PATH): number | null {
  const text = readProcText(path);
  return text === null ? null : parseFragmentQueues(text);
}

export function parseFragmentQueues(text: string): number | null {
  const match = /^FRAG: inuse (\d+) memory \d+$/m.exec(text);
  return match === null ? null : Number(match[1]);
}

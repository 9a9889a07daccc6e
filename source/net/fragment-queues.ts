import { readProcText } from './proc-text.ts';

/**
 * Datagrams this host (its network namespace) holds in part, waiting for their other IP
 * fragments: `FRAG: inuse N memory M` in /proc/net/sockstat. A fragmented datagram is put
 * together within microseconds of its last fragment, so only a few are ever in progress; one
 * that lost a fragment stays for 30 s (ipfrag_time). Many of them mean fragments are being lost.
 * Past `ipfrag_high_thresh` bytes of them the kernel drops every new fragment, from everyone.
 */
const SOCKSTAT_PATH = '/proc/net/sockstat';
const HIGH_THRESH_PATH = '/proc/sys/net/ipv4/ipfrag_high_thresh';
/** Linux's default ipfrag_high_thresh, for a host whose setting cannot be read. */
export const DEFAULT_FRAGMENT_MEMORY_CEILING = 4 * 1024 * 1024;

/** What waits for fragments now: how many datagrams, and the memory they hold. */
export interface FragmentQueues {
  queues: number;
  bytes: number;
}

/** What waits for fragments now, or null where it cannot be read (not Linux). */
export function readFragmentQueues(path: string = SOCKSTAT_PATH): FragmentQueues | null {
  const text = readProcText(path);
  return text === null ? null : parseFragmentQueues(text);
}

export function parseFragmentQueues(text: string): FragmentQueues | null {
  const match = /^FRAG: inuse (\d+) memory (\d+)$/m.exec(text);
  return match === null ? null : { queues: Number(match[1]), bytes: Number(match[2]) };
}

/** The memory past which this host drops every new fragment (ipfrag_high_thresh), in bytes. */
export function readFragmentMemoryCeiling(path: string = HIGH_THRESH_PATH): number {
  const value = Number.parseInt(readProcText(path) ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_FRAGMENT_MEMORY_CEILING;
}

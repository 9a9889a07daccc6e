import { readProcText } from './proc-text.ts';

/**
 * Datagrams this host (its network namespace) holds in part, waiting for their other IP
 * fragments: `FRAG: inuse N memory M` in /proc/net/sockstat (IPv6: `FRAG6:` in sockstat6, each
 * family with its own queues and ceiling). A fragmented datagram is put
 * together within microseconds of its last fragment, so only a few are ever in progress; one
 * that lost a fragment stays for 30 s (ipfrag_time). Many of them mean fragments are being lost.
 * Past `ipfrag_high_thresh` bytes of them the kernel drops every new fragment, from everyone.
 */
/** Where each family's queues and ceiling are read. */
const PATHS = {
  4: { sockstat: '/proc/net/sockstat', ceiling: '/proc/sys/net/ipv4/ipfrag_high_thresh' },
  6: { sockstat: '/proc/net/sockstat6', ceiling: '/proc/sys/net/ipv6/ip6frag_high_thresh' },
} as const;
/** Linux's default ipfrag_high_thresh, for a host whose setting cannot be read. */
export const DEFAULT_FRAGMENT_MEMORY_CEILING = 4 * 1024 * 1024;

/** What waits for fragments now: how many datagrams, and the memory they hold. */
export interface FragmentQueues {
  queues: number;
  bytes: number;
}

/** The IP family whose fragments a socket receives. */
export type IpFamily = 4 | 6;

/** What of `family` waits for fragments now, or null where it cannot be read (not Linux). */
export function readFragmentQueues(
  family: IpFamily = 4,
  path: string = PATHS[family].sockstat,
): FragmentQueues | null {
  const text = readProcText(path);
  return text === null ? null : parseFragmentQueues(text, family);
}

export function parseFragmentQueues(text: string, family: IpFamily = 4): FragmentQueues | null {
  const line =
    family === 4 ? /^FRAG: inuse (\d+) memory (\d+)$/m : /^FRAG6: inuse (\d+) memory (\d+)$/m;
  const match = line.exec(text);
  return match === null ? null : { queues: Number(match[1]), bytes: Number(match[2]) };
}

/**
 * The memory past which this host drops every new fragment of `family` (ipfrag_high_thresh,
 * ip6frag_high_thresh), in bytes.
 */
export function readFragmentMemoryCeiling(
  family: IpFamily = 4,
  path: string = PATHS[family].ceiling,
): number {
  const value = Number.parseInt(readProcText(path) ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_FRAGMENT_MEMORY_CEILING;
}

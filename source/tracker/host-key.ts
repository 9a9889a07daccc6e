/**
 * The unit the tracker bounds per source: one host. Ports are free to pick, so bounds keyed by
 * `host:port` bind nothing; an IPv6 host usually holds a whole /64, so IPv6 sources are grouped
 * by their /64 prefix. An IPv4 address mapped into IPv6 (`::ffff:a.b.c.d`) is the IPv4 host.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { unmappedIpv4 } from '../net/ipv4-mapped.ts';
import type { RemoteAddress } from '../net/transport.ts';

/** Groups of an IPv6 address that name its /64 network. */
const IPV6_PREFIX_GROUPS = 4;

/** The 8 groups of an IPv6 address, `::` expanded, or null when it is not one. */
function ipv6Groups(address: string): string[] | null {
  const bare = address.split('%')[0] ?? address;
  const [head = '', tail] = bare.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return null;
  return [...left, ...Array<string>(missing).fill('0'), ...right];
}

/** The host key of an address: IPv4 as is, IPv6 as its /64 (`2001:db8:0:1::/64`). */
export function hostKeyOf(from: RemoteAddress | string): string {
  // The transport names IPv4 senders a.b.c.d already; a mapped one given here is the same host.
  const address = unmappedIpv4(typeof from === 'string' ? from : from.address);
  if (isIPv4(address)) return address;
  const lower = address.toLowerCase();
  if (!isIPv6(lower)) return lower;
  const groups = ipv6Groups(lower);
  if (groups === null) return lower;
  const prefix = groups
    .slice(0, IPV6_PREFIX_GROUPS)
    .map((g) => Number.parseInt(g, 16).toString(16));
  return `${prefix.join(':')}::/64`;
}

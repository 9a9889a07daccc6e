/**
 * IPv4 peers of a dual-stack socket (an IPv6 socket bound to `::`): the kernel names them
 * `::ffff:a.b.c.d` and reaches them there. The rest of bt-tui names an IPv4 host `a.b.c.d`
 * whichever socket met it, so that a tracker on `--host ::` records and hands out IPv4 nodes as
 * IPv4 nodes know them (found by hand: it handed IPv4 downloaders `[::ffff:127.0.0.1]:PORT`, which
 * an IPv4 socket cannot send to; every download waited for owners). Pure.
 */
import { isIPv4 } from 'node:net';

const MAPPED_PREFIX = '::ffff:';
/** `::ffff:0.0.0.0`: nothing shorter is a mapped address. */
const SHORTEST_MAPPED = 14;

/** `::ffff:a.b.c.d` as `a.b.c.d`; any other address as it is. */
export function unmappedIpv4(address: string): string {
  // Most addresses are not mapped: two character tests say so, no string made.
  if (address.length < SHORTEST_MAPPED || address.charCodeAt(0) !== 58) return address;
  if (address.slice(0, MAPPED_PREFIX.length).toLowerCase() !== MAPPED_PREFIX) return address;
  const ipv4 = address.slice(MAPPED_PREFIX.length);
  return isIPv4(ipv4) ? ipv4 : address;
}

/** An IPv4 address as an IPv6 socket reaches it, `::ffff:a.b.c.d`; any other as it is. */
export function reachableFromIpv6(address: string): string {
  return isIPv4(address) ? `${MAPPED_PREFIX}${address}` : address;
}

/**
 * Whether a host a peer was told to talk to names one host. The tracker names owners by the
 * address it saw each register from, always an IP address of one host; anything else in a NEED
 * reply is a lie or a bug, and acting on it costs: a host name makes node:dgram ask DNS (a
 * hostile tracker could have every node of a LAN query names of its choosing), a multicast or
 * broadcast address makes the node's HELLOs reach many hosts, the unspecified address reaches
 * the node itself. Pure.
 */
import { isIP } from 'node:net';

/** Why `host` is no single host's address, or null when it is one. */
export function unicastHostError(host: string): string | null {
  const family = isIP(host);
  if (family === 0) return 'not an IP address';
  if (family === 4) {
    const first = Number(host.slice(0, host.indexOf('.')));
    if (host === '0.0.0.0') return 'the unspecified address';
    if (host === '255.255.255.255') return 'the broadcast address';
    if (first >= 224 && first <= 239) return 'a multicast address';
    if (first >= 240) return 'a reserved address';
    return null;
  }
  const lower = host.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return unicastHostError(mapped[1]!);
  if (/^[0:]+$/.test(lower)) return 'the unspecified address';
  if (lower.startsWith('ff')) return 'a multicast address';
  return null;
}

/**
 * Whether a host a peer was told to talk to names one host. The tracker names owners by the
 * address it saw each register from, always an IP address of one host; anything else in a NEED
 * reply is a lie or a bug, and acting on it costs: a host name makes node:dgram ask DNS (a
 * hostile tracker could have every node of a LAN query names of its choosing), a multicast or
 * broadcast address makes the node's HELLOs reach many hosts, the unspecified address reaches
 * the node itself. Pure.
 */
import { isIP } from 'node:net';
import { unmappedIpv4 } from './ipv4-mapped.ts';

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
  const unmapped = unmappedIpv4(host);
  if (unmapped !== host) return unicastHostError(unmapped);
  const lower = host.toLowerCase();
  if (/^[0:]+$/.test(lower)) return 'the unspecified address';
  if (lower.startsWith('ff')) return 'a multicast address';
  return null;
}

/**
 * Whether `host` is a loopback address (127.0.0.0/8, ::1, or 127.x mapped into IPv6): a socket
 * bound to one reaches nothing beyond this machine.
 */
export function isLoopbackAddress(host: string): boolean {
  const lower = host.toLowerCase();
  const ipv4 = unmappedIpv4(lower);
  if (isIP(ipv4) === 4) return ipv4.startsWith('127.');
  return isIP(lower) === 6 && /^(0{0,4}:){2,7}0{0,3}1$/.test(lower);
}

/**
 * Why a node listening on `local` cannot reach an owner at `owner` that its tracker at `tracker`
 * named, or null when it may. A tracker records each node at the address the node reached it
 * from, so a node on the tracker's own machine that was given `--tracker 127.0.0.1:…` is
 * recorded at 127.0.0.1, which names each asker's own machine elsewhere; and a node listening on
 * loopback sends nothing off its machine. Found by hand: a tracker and a seeder on one machine,
 * a downloader on another, `no answer to HELLO` after 11 s and nothing said of why.
 */
export function reachError(
  local: string,
  tracker: string,
  owner: string,
  /** Whether the tracker's address is this machine's (then its loopback is this one's too). */
  trackerIsHere: () => boolean,
): string | null {
  if (isLoopbackAddress(owner) && !isLoopbackAddress(tracker) && !trackerIsHere())
    return "a loopback address of the tracker's machine, where that node reached the tracker from: nodes elsewhere cannot reach it (start it with --tracker set to its machine's network address)";
  if (isLoopbackAddress(local) && !isLoopbackAddress(owner))
    return `which this node cannot reach: it listens on ${local}, a loopback address (start it with --tracker set to the tracker's network address, not a loopback one)`;
  // A tracker on `::` takes IPv4 and IPv6 nodes alike, and names owners of both families. A
  // socket of one family reaches only that one, but for `::`, which reaches IPv4 hosts too.
  const ownerFamily = isIP(owner);
  const localFamily = isIP(local);
  if (ownerFamily !== 0 && localFamily !== 0 && ownerFamily !== localFamily && local !== '::')
    return `an IPv${ownerFamily} address, which this node cannot reach: it listens on IPv${localFamily} (${local}); IPv4 and IPv6 nodes swarm each with their own family (a node given the tracker's IPv6 address and --host :: reaches both)`;
  return null;
}

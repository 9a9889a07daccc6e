/**
 * The address a peer listens on, from --host and its trackers. Pure.
 *
 * A socket bound to a loopback address sends nothing off the machine (Linux refuses each send
 * with EINVAL), so a node started with the default 127.0.0.1 and `--tracker 10.0.0.5:12345`
 * used to sit silent: `tracker … unreachable` after 11 s, with no reason (found by hand, the
 * first thing a person trying it between two machines meets). Without --host the node now
 * listens on every address of the machine when a tracker is elsewhere, as a torrent client
 * does; a loopback --host given with such a tracker is refused with the reason.
 */
import { isIP } from 'node:net';
import { formatAddress } from '../format.ts';
import type { RemoteAddress } from '../net/transport.ts';
import { isLoopbackAddress } from '../net/unicast-address.ts';

export type ListenAddress = { ok: true; host: string } | { ok: false; problem: string };

/**
 * `given` is --host (null when it was not given); `trackers` are IP addresses (names already
 * looked up), all in one family.
 */
export function listenAddress(
  given: string | null,
  trackers: readonly RemoteAddress[],
): ListenAddress {
  const elsewhere = trackers.find((tracker) => !isLoopbackAddress(tracker.address));
  if (given === null) {
    const six = trackers.length > 0 && isIP(trackers[0]!.address) === 6;
    if (elsewhere === undefined) return { ok: true, host: six ? '::1' : '127.0.0.1' };
    return { ok: true, host: six ? '::' : '0.0.0.0' };
  }
  if (elsewhere === undefined || !isLoopbackAddress(given)) return { ok: true, host: given };
  return {
    ok: false,
    problem: `--tracker ${formatAddress(elsewhere)} is not on this machine, and --host ${given} is a loopback address, from which nothing leaves it: give --host this machine's address on the tracker's network, or leave --host out to listen on every address`,
  };
}

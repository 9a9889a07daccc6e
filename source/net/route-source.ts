import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { RemoteAddress } from './transport.ts';

/** 0.0.0.0 or `::`: a socket bound there receives at every address of the machine. */
export function isUnspecifiedAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/**
 * The address this machine sends from toward `to`, as the kernel's routes choose it: what a node
 * listening on every address is known by at a tracker there (the tracker takes a node's address
 * from its datagrams). Asked of a connected UDP socket, which sends nothing; null where there is
 * no route.
 */
export function routeSourceAddress(to: RemoteAddress): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(to.address) ? 'udp6' : 'udp4');
    let settled = false;
    const done = (address: string | null): void => {
      if (settled) return;
      settled = true;
      socket.close();
      resolve(address);
    };
    socket.on('error', () => done(null));
    try {
      // A failed connect (no route: ENETUNREACH) comes to the callback, the socket bound to
      // the unspecified address: that names no machine either.
      socket.connect(to.port, to.address, (error?: Error) => {
        const address = error ? null : socket.address().address;
        done(address === null || isUnspecifiedAddress(address) ? null : address);
      });
    } catch {
      done(null); // not an address one can send to (port 0)
    }
  });
}

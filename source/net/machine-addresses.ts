import { networkInterfaces } from 'node:os';

/**
 * This machine's IP addresses, loopback first as the system lists it, link-local IPv6 left out
 * (it needs a zone to be reached): what --host can be here, and what other machines may give as
 * --tracker. `family` keeps one family only.
 */
export function machineAddresses(family?: 4 | 6): string[] {
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .filter((entry) => entry.scopeid === undefined || entry.scopeid === 0)
    .filter((entry) => family === undefined || entry.family === `IPv${family}`)
    .map((entry) => entry.address);
}

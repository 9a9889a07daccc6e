import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { TrackerLookedUp } from '../peer/tracker-choice.ts';

/** A tracker as --tracker gave it: an IP address or a host name, and a port. */
export interface TrackerGiven {
  address: string;
  port: number;
}

/** Looks up a name in one family: its first address (node:dns's lookup, as getaddrinfo does). */
export type LookUp = (name: string, family: 4 | 6) => Promise<string>;

const systemLookUp: LookUp = async (name, family) => (await dnsLookup(name, { family })).address;

/**
 * A lookup that takes longer says so, rather than leave a person before a blank terminal for
 * the resolver's own retries (up to 20 s with no DNS server answering).
 */
export const LOOKUP_TIMEOUT_MS = 10_000;

export type NamesLookedUp =
  | {
      ok: true;
      trackers: TrackerGiven[];
      /** `tracker NAME:PORT is ADDRESS:PORT` per name, for the log. */
      lines: string[];
    }
  | { ok: false; problem: string };

/**
 * The trackers of --tracker with each host name looked up at start, in the family of `host`
 * (see familyOf), and again while every tracker fails to answer (trackerNamesAgain). Trackers
 * are nearly always given by name elsewhere (a tracker URL); before 2026-12-06 only IP addresses
 * were taken here, and `--tracker trackerbox:12345` was refused as not HOST:PORT (found by hand).
 */
export async function lookUpTrackerNames(
  trackers: readonly TrackerGiven[],
  host: string | null,
  lookUp: LookUp = systemLookUp,
  timeoutMs = LOOKUP_TIMEOUT_MS,
): Promise<NamesLookedUp> {
  const family = familyOf(trackers, host);
  const out: TrackerGiven[] = [];
  const lines: string[] = [];
  for (const tracker of trackers) {
    if (isIP(tracker.address) !== 0) {
      out.push(tracker);
      continue;
    }
    const given = `${tracker.address}:${tracker.port}`;
    const found = await lookUpOne(tracker.address, family, lookUp, timeoutMs);
    if (!found.ok)
      return { ok: false, problem: `--tracker ${given}: ${why(found.code, family, timeoutMs)}` };
    out.push({ address: found.address, port: tracker.port });
    const shown = family === 6 ? `[${found.address}]` : found.address;
    lines.push(`tracker ${given} is ${shown}:${tracker.port}`);
  }
  return { ok: true, trackers: out, lines };
}

/**
 * The trackers of --tracker looked up again, for a node whose trackers all stopped answering
 * (TrackerClient): each name where it points now, in the family it was first looked up in; an
 * address, or a name that cannot be looked up now, comes back as null (the node keeps what it
 * had). Undefined when every tracker is given as an address: there is nothing to look up.
 *
 * A name whose last look-up has not ended waits for that one, not a new one: the timeout gives
 * up waiting, not the look-up, and each one still running holds one of libuv's four threads
 * (getaddrinfo), which the node's file reads share. With no DNS server answering, a look-up
 * every retry (8 s) would hold more of them each time. (Two trackers of one name share one.)
 */
export function trackerNamesAgain(
  trackers: readonly TrackerGiven[],
  host: string | null,
  lookUp: LookUp = systemLookUp,
  timeoutMs = LOOKUP_TIMEOUT_MS,
): (() => Promise<TrackerLookedUp[]>) | undefined {
  if (trackers.every((tracker) => isIP(tracker.address) !== 0)) return undefined;
  const family = familyOf(trackers, host);
  const running = new Map<string, Promise<string>>();
  const lookUpShared: LookUp = (name, inFamily) => {
    let lookup = running.get(name);
    if (lookup === undefined) {
      lookup = lookUp(name, inFamily);
      running.set(name, lookup);
      const ended = () => running.delete(name);
      lookup.then(ended, ended);
    }
    return lookup;
  };
  return () =>
    Promise.all(
      trackers.map(async (tracker): Promise<TrackerLookedUp> => {
        const given = `${tracker.address}:${tracker.port}`;
        if (isIP(tracker.address) !== 0) return { given, address: null };
        const found = await lookUpOne(tracker.address, family, lookUpShared, timeoutMs);
        return { given, address: found.ok ? { address: found.address, port: tracker.port } : null };
      }),
    );
}

/**
 * The family names are looked up in: that of --host, else of the trackers given as addresses
 * (parse-args made them one), else IPv4. The node's one socket reaches only that family.
 */
function familyOf(trackers: readonly TrackerGiven[], host: string | null): 4 | 6 {
  const given = host ?? trackers.find((tracker) => isIP(tracker.address) !== 0)?.address ?? '';
  return isIP(given) === 6 ? 6 : 4;
}

function lookUpOne(
  name: string,
  family: 4 | 6,
  lookUp: LookUp,
  timeoutMs: number,
): Promise<{ ok: true; address: string } | { ok: false; code: string }> {
  return withTimeout(lookUp(name, family), timeoutMs).then(
    (address) => ({ ok: true as const, address }),
    (error: unknown) => ({ ok: false as const, code: errorCode(error) }),
  );
}

function why(code: string, family: 4 | 6, timeoutMs: number): string {
  if (code === 'ENOTFOUND' || code === 'ENODATA')
    return `no such host, or none with an IPv${family} address (the family of --host)`;
  if (code === 'TIMEOUT')
    return `no answer from DNS in ${timeoutMs / 1000} s; give the tracker's IP address`;
  return `cannot look it up now (${code}); give the tracker's IP address`;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessGroup, TrackedProcess } from './processes.ts';

/** opentracker refuses to keep root: it drops to this user (Debian's package creates it). */
const PREFERRED_USERS = ['_opentracker', 'nobody'];

/** A running opentracker that serves exactly one whitelisted info hash. */
export interface OpenTracker {
  process: TrackedProcess;
  port: number;
  announceUrl: string;
  /** Seeders (`complete`) the tracker knows for the info hash, via a standard scrape. */
  countSeeders(): Promise<number | null>;
}

/**
 * Where opentracker runs: the address it listens on, how a command is started there and how
 * a URL is fetched from there (a network namespace's address is not reachable from outside).
 */
export interface TrackerPlace {
  host: string;
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** The body of a GET of `url`, as latin1 text (bencoding is bytes). */
  fetchText(url: string): Promise<string>;
}

/** This machine's 127.0.0.1, as the loopback benches use it. */
export const LOOPBACK: TrackerPlace = {
  host: '127.0.0.1',
  wrap: (command, args) => ({ command, args }),
  fetchText: async (url) => Buffer.from(await (await fetch(url)).arrayBuffer()).toString('latin1'),
};

/**
 * Starts opentracker on `port` (TCP and UDP) with a config of ours in `dir`. The Debian build is whitelist-only:
 * `access.whitelist` must list the info hash (hex). It chroots to `tracker.rootdir` and
 * then drops root, so that dir must be readable by the dropped-to user.
 */
export async function startOpenTracker(
  group: ProcessGroup,
  dir: string,
  infohashHex: string,
  port: number,
  place: TrackerPlace = LOOPBACK,
): Promise<OpenTracker> {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'whitelist.txt'), `${infohashHex}\n`, { mode: 0o644 });
  const config = [
    `listen.tcp_udp ${place.host}:${port}`,
    'access.whitelist whitelist.txt',
    `tracker.rootdir ${dir}`,
    `tracker.user ${dropUser()}`,
    '',
  ].join('\n');
  const configPath = join(dir, 'opentracker.conf');
  writeFileSync(configPath, config, { mode: 0o644 });
  const { command, args } = place.wrap('opentracker', ['-f', configPath]);
  const tracked = group.spawn('opentracker', command, args);
  const infohashQuery = [...Buffer.from(infohashHex, 'hex')]
    .map((byte) => `%${byte.toString(16).padStart(2, '0')}`)
    .join('');
  const scrapeUrl = `http://${place.host}:${port}/scrape?info_hash=${infohashQuery}`;
  const countSeeders = async () => {
    try {
      const body = await place.fetchText(scrapeUrl);
      // A hash nobody announced yet is simply absent from the answer (`d5:filesdee`).
      if (!body.startsWith('d5:files')) return null;
      return Number(/8:completei(\d+)e/.exec(body)?.[1] ?? 0);
    } catch {
      return null;
    }
  };
  const tracker = {
    process: tracked,
    port,
    announceUrl: `http://${place.host}:${port}/announce`,
    countSeeders,
  };
  for (let waitedMs = 0; (await countSeeders()) === null; waitedMs += 100) {
    if (!tracked.isRunning() || waitedMs > 10_000) {
      throw new Error(`opentracker did not answer a scrape: ${tracked.lines.join(' / ')}`);
    }
    await sleep(100);
  }
  return tracker;
}

function dropUser(): string {
  for (const user of PREFERRED_USERS) {
    try {
      execFileSync('id', [user], { stdio: 'ignore' });
      return user;
    } catch {
      // Not on this system: try the next.
    }
  }
  return 'nobody';
}

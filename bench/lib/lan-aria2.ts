import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { pieceSizeFor } from '../../source/config.ts';
import {
  ARIA2_LEECHER_FLAGS,
  ARIA2_SEEDER_FLAGS,
  aria2CommonFlags,
  makeTorrent,
} from './aria2-swarm.ts';
import { linkOrCopy, type SwarmFile } from './files.ts';
import type { LanStar } from './lan-star.ts';
import { type LanSwarm, SEEDER_HOST, TRACKER_HOST } from './lan-system.ts';
import { type OpenTracker, startOpenTracker, type TrackerPlace } from './opentracker.ts';
import { readCpuSeconds } from './proc-stats.ts';
import type { TrackedProcess } from './processes.ts';
import type { Workspace } from './workspace.ts';

/** opentracker's usual port, and BitTorrent's first listening port: every host has its own. */
const TRACKER_PORT = 6969;
const PEER_PORT = 6881;
const SEEDER_READY_TIMEOUT_MS = 30_000;
/** An idle aria2c (RPC on, nothing to download) has read its options and opened its port by then. */
const IDLE_SETTLE_MS = 1_000;
const IDLE_RPC_PORT = 6800;

/**
 * A GET from inside a namespace (the bench itself is outside and cannot reach the LAN): a
 * node one-liner run there, printing the body as latin1.
 */
const FETCH_SCRIPT =
  "fetch(process.argv[1]).then((r) => r.arrayBuffer()).then((b) => process.stdout.write(Buffer.from(b).toString('latin1')))";

/** Beside the downloaded file, the hook writes when aria2c had it complete (Unix ms). */
const DONE_AT_SUFFIX = '.done-at';
/**
 * aria2c runs this once a download is complete and verified, before it seeds
 * (`--on-bt-download-complete`), with the GID, the number of files and the first file's path.
 */
const DONE_HOOK = `#!/bin/sh\ndate +%s%3N > "$3${DONE_AT_SUFFIX}"\n`;

/** aria2c seeder and leechers around opentracker, on the same hosts as bt-tui's. */
export class Aria2LanSwarm implements LanSwarm {
  private constructor(
    private readonly workspace: Workspace,
    private readonly star: LanStar,
    private readonly file: SwarmFile,
    private readonly root: string,
    private readonly torrentPath: string,
    private readonly running: TrackedProcess[],
  ) {}

  /** Makes the torrent, starts opentracker and the seeder; resolves once a scrape shows it. */
  static async start(
    workspace: Workspace,
    star: LanStar,
    file: SwarmFile,
    root: string,
  ): Promise<Aria2LanSwarm> {
    mkdirSync(root, { recursive: true });
    const trackerHost = star.host(TRACKER_HOST);
    const torrentPath = join(root, `${file.name}.torrent`);
    const announceUrl = `http://${trackerHost.address}:${TRACKER_PORT}/announce`;
    // Same piece size as ours, so both verify the same number of pieces.
    const pieceExponent = Math.log2(pieceSizeFor(file.sizeBytes));
    const infohashHex = makeTorrent(file, torrentPath, announceUrl, pieceExponent);
    const place = placeOn(star, TRACKER_HOST);
    const tracker = await startOpenTracker(
      workspace.group,
      join(root, 'opentracker'),
      infohashHex,
      TRACKER_PORT,
      place,
    );
    const swarm = new Aria2LanSwarm(workspace, star, file, root, torrentPath, [tracker.process]);
    const seedDir = join(root, 'seed');
    mkdirSync(seedDir, { recursive: true });
    linkOrCopy(file.path, join(seedDir, file.name));
    const seeder = swarm.aria2On(SEEDER_HOST, seedDir, ARIA2_SEEDER_FLAGS);
    swarm.running.push(workspace.group.spawn('aria2c seeder', seeder.command, seeder.args));
    await waitForSeeder(tracker);
    return swarm;
  }

  leecherLaunches(hosts: string[], seedTimeSeconds: number) {
    const hook = join(this.root, 'done-hook.sh');
    writeFileSync(hook, DONE_HOOK, { mode: 0o755 });
    const flags = [
      ...ARIA2_LEECHER_FLAGS.filter((flag) => !flag.startsWith('--seed-time=')),
      // aria2c's seed time is in (fractional) minutes.
      `--seed-time=${seedTimeSeconds / 60}`,
      `--on-bt-download-complete=${hook}`,
    ];
    return hosts.map((host) => {
      const dir = join(this.root, host);
      mkdirSync(dir, { recursive: true });
      const { command, args } = this.aria2On(host, dir, flags);
      const downloadedPath = join(dir, this.file.name);
      const doneAtWallMs = () => {
        try {
          const ms = Number(readFileSync(`${downloadedPath}${DONE_AT_SUFFIX}`, 'utf8').trim());
          return Number.isFinite(ms) && ms > 0 ? ms : null;
        } catch {
          return null;
        }
      };
      return { host, command, args, downloadedPath, doneAtWallMs };
    });
  }

  seederPid(): number {
    return this.running[1]!.pid;
  }

  async measureStartupCpu(host: string): Promise<number | null> {
    const { namespace, address } = this.star.host(host);
    const idle = this.star.exec(namespace, 'aria2c', [
      ...aria2CommonFlags(address),
      '--enable-rpc=true',
      `--rpc-listen-port=${IDLE_RPC_PORT}`,
    ]);
    const tracked = this.workspace.group.spawn('aria2c idle', idle.command, idle.args);
    try {
      await sleep(IDLE_SETTLE_MS);
      return readCpuSeconds(tracked.pid);
    } finally {
      await this.workspace.group.stop(tracked);
    }
  }

  async stop(): Promise<void> {
    for (const tracked of [...this.running].reverse()) await this.workspace.group.stop(tracked);
  }

  private aria2On(host: string, dir: string, roleFlags: string[]) {
    const { namespace, address } = this.star.host(host);
    return this.star.exec(namespace, 'aria2c', [
      ...aria2CommonFlags(address),
      ...roleFlags,
      `--listen-port=${PEER_PORT}`,
      `--dir=${dir}`,
      this.torrentPath,
    ]);
  }
}

/** opentracker on a host of the LAN: listens on its address, scraped from inside. */
function placeOn(star: LanStar, label: string): TrackerPlace {
  const { namespace, address } = star.host(label);
  const run = promisify(execFile);
  return {
    host: address,
    wrap: (command, args) => star.exec(namespace, command, args),
    fetchText: async (url) => {
      const { command, args } = star.exec(namespace, process.execPath, ['-e', FETCH_SCRIPT, url]);
      return (await run(command, args, { encoding: 'latin1' })).stdout;
    },
  };
}

async function waitForSeeder(tracker: OpenTracker): Promise<void> {
  for (let waitedMs = 0; ((await tracker.countSeeders()) ?? 0) < 1; waitedMs += 200) {
    if (waitedMs > SEEDER_READY_TIMEOUT_MS) {
      throw new Error('opentracker knows no aria2c seeder after 30 s');
    }
    await sleep(200);
  }
}

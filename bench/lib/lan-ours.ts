import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatAddress } from '../../source/format.ts';
import { CLI_NODE_ARGS } from './build.ts';
import { linkOrCopy, MiB, type SwarmFile } from './files.ts';
import type { LanStar } from './lan-star.ts';
import { type LanSwarm, SEEDER_HOST, TRACKER_HOST } from './lan-system.ts';
import { readCpuSeconds } from './proc-stats.ts';
import type { TrackedProcess } from './processes.ts';
import type { Workspace } from './workspace.ts';

/** Every host is alone on its address: the same fixed ports everywhere. */
const TRACKER_PORT = 12_345;
const PEER_PORT = 40_000;
/** The seeder is node 1; the leecher on host lK is node 100 + K. */
const SEEDER_ID = 1;
const FIRST_LEECHER_ID = 100;
/** The idle peer that measures start-up: registers, seeds and downloads nothing. */
const IDLE_PEER_ID = 99;
/** An idle peer settles (imports loaded, registered, first heartbeat timers) within this. */
const IDLE_SETTLE_MS = 1_000;

/** The seeder hashes the file before it OWNs it: allow a slow disk, ~10 MiB/s, per MiB. */
const startTimeoutMs = (sizeBytes: number) => 30_000 + (sizeBytes / MiB) * 100;

/** bt-tui on the LAN: `bt-tui tracker` on the tracker host, one `peer --seed` on the seeder's. */
export class OurLanSwarm implements LanSwarm {
  private constructor(
    private readonly workspace: Workspace,
    private readonly star: LanStar,
    private readonly file: SwarmFile,
    private readonly cliPath: string,
    private readonly root: string,
    private readonly running: TrackedProcess[],
    /** Every process on its host's IPv6 address (`bench/lan.ts --ipv6`). */
    private readonly ipv6: boolean,
  ) {}

  /** The address a host's process listens on: its IPv4 one, or its IPv6 one with --ipv6. */
  private addressOf(label: string): string {
    const host = this.star.host(label);
    return this.ipv6 ? host.address6 : host.address;
  }

  /** Starts tracker and seeder under `root`; resolves once the tracker logged the seeder's OWN. */
  static async start(
    workspace: Workspace,
    star: LanStar,
    file: SwarmFile,
    cliPath: string,
    root: string,
    ipv6 = false,
  ): Promise<OurLanSwarm> {
    const swarm = new OurLanSwarm(workspace, star, file, cliPath, root, [], ipv6);
    const tracker = swarm.spawnOn(TRACKER_HOST, 'bt-tui tracker', [
      'tracker',
      '--headless',
      ...['--host', swarm.addressOf(TRACKER_HOST), '--port', String(TRACKER_PORT)],
      ...['--db', join(root, 'db'), '--logs', join(root, 'logs')],
    ]);
    swarm.running.push(tracker);
    await tracker.waitForLine(/listening on /, 10_000);
    const folder = join(root, 'files', `node${SEEDER_ID}`);
    mkdirSync(folder, { recursive: true });
    linkOrCopy(file.path, join(folder, file.name));
    const seederArgs = [...swarm.peerArgs(SEEDER_ID, SEEDER_HOST), '--seed', file.name];
    swarm.running.push(swarm.spawnOn(SEEDER_HOST, 'bt-tui seeder', seederArgs));
    await tracker.waitForLine(
      new RegExp(`owns node ${SEEDER_ID} `),
      startTimeoutMs(file.sizeBytes),
    );
    return swarm;
  }

  leecherLaunches(hosts: string[], seedTimeSeconds: number) {
    const seedTime = seedTimeSeconds > 0 ? ['--seed-time', String(seedTimeSeconds)] : [];
    // Its headless output: `2026-12-03T20:24:29.480Z done big.bin: 64.0 MiB in 0.94 s (...)`.
    const doneLine = new RegExp(`^(\\S+) done ${escapeRegExp(this.file.name)}: `);
    const doneAtWallMs = (lines: string[]) => {
      for (const line of lines) {
        const done = doneLine.exec(line);
        if (done) return Date.parse(done[1]!);
      }
      return null;
    };
    return hosts.map((host, index) => {
      const id = FIRST_LEECHER_ID + index + 1;
      const { command, args } = this.star.exec(this.star.host(host).namespace, process.execPath, [
        ...CLI_NODE_ARGS,
        this.cliPath,
        ...this.peerArgs(id, host),
        ...['--download', this.file.name, '--exit-when-done', ...seedTime],
      ]);
      const downloadedPath = join(this.root, 'files', `node${id}`, this.file.name);
      return { host, command, args, downloadedPath, doneAtWallMs };
    });
  }

  seederPid(): number {
    return this.running[1]!.pid;
  }

  async measureStartupCpu(host: string): Promise<number | null> {
    const idle = this.spawnOn(host, 'bt-tui idle peer', this.peerArgs(IDLE_PEER_ID, host));
    try {
      await this.running[0]!.waitForLine(new RegExp(`joined node ${IDLE_PEER_ID} `), 30_000);
      await sleep(IDLE_SETTLE_MS);
      return readCpuSeconds(idle.pid);
    } finally {
      await this.workspace.group.stop(idle);
    }
  }

  async stop(): Promise<void> {
    for (const tracked of [...this.running].reverse()) await this.workspace.group.stop(tracked);
    // BT_LAN_LOGS=DIR keeps every node's log of each crowd there (to see how a crowd went).
    const keep = process.env.BT_LAN_LOGS;
    if (keep)
      cpSync(join(this.root, 'logs'), join(keep, `crowd-${Date.now()}`), { recursive: true });
  }

  private peerArgs(id: number, host: string): string[] {
    const tracker = formatAddress({ address: this.addressOf(TRACKER_HOST), port: TRACKER_PORT });
    return [
      ...['peer', '--id', String(id), '--headless'],
      ...['--host', this.addressOf(host), '--port', String(PEER_PORT)],
      ...['--tracker', tracker],
      ...['--files', join(this.root, 'files'), '--logs', join(this.root, 'logs')],
      ...(process.env.BT_LAN_PEER_ARGS ?? '').split(' ').filter((arg) => arg !== ''),
    ];
  }

  private spawnOn(host: string, label: string, cliArgs: string[]): TrackedProcess {
    const namespace = this.star.host(host).namespace;
    const { command, args } = this.star.exec(namespace, process.execPath, [
      ...CLI_NODE_ARGS,
      this.cliPath,
      ...cliArgs,
    ]);
    return this.workspace.group.spawn(label, command, args);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pieceSizeFor } from '../../source/config.ts';
import { linkOrCopy, MiB, type SwarmFile } from './files.ts';
import { judgeLeecher, type LeecherResult } from './leecher-result.ts';
import { runMeasured } from './measure.ts';
import { type OpenTracker, startOpenTracker } from './opentracker.ts';
import { freeTcpPort, freeTcpUdpPort } from './ports.ts';
import { readCpuSeconds } from './proc-stats.ts';
import type { TrackedProcess } from './processes.ts';
import { SeederCpuWatch } from './serving-cost.ts';
import type { Workspace } from './workspace.ts';

/** Same limits as our swarm: a leecher under ~2 MiB/s is stuck. */
const leechTimeoutMs = (sizeBytes: number) => 60_000 + (sizeBytes / MiB) * 500;
const SEEDERS_READY_TIMEOUT_MS = 30_000;
/** An idle aria2c (RPC on, nothing to download) has read its options and opened its port by then. */
const IDLE_SETTLE_MS = 1_000;

/**
 * Flags for every aria2c: one address only (`interfaceAddress`, no IPv6), no DHT, no local
 * peer discovery, no peer exchange, so the only way to meet peers is our opentracker; quiet.
 */
export const aria2CommonFlags = (interfaceAddress: string): string[] => [
  '--no-conf',
  `--interface=${interfaceAddress}`,
  '--disable-ipv6=true',
  '--enable-dht=false',
  '--enable-dht6=false',
  '--bt-enable-lpd=false',
  '--enable-peer-exchange=false',
  '--summary-interval=0',
  '--show-console-readout=false',
  '--console-log-level=warn',
];

/** The loopback benches' flags: every aria2c on 127.0.0.1. */
const COMMON_FLAGS = aria2CommonFlags('127.0.0.1');

/** A seeder serves forever (ratio 0) without re-hashing the file it was given. */
export const ARIA2_SEEDER_FLAGS = [
  '--seed-ratio=0.0',
  '--bt-seed-unverified=true',
  '--check-integrity=false',
];

/**
 * The leecher stops once complete (seed time 0). falloc reserves the file in one call, as
 * aria2's manual advises on ext4/xfs/btrfs, instead of writing zeros first (its default).
 */
export const ARIA2_LEECHER_FLAGS = ['--seed-time=0', '--file-allocation=falloc'];

/** aria2c's `Download Results` row: `gid|OK  |  52MiB/s|path`. */
const RESULT_ROW = /\|OK\s*\|\s*([\d.]+)(B|KiB|MiB|GiB)\/s\|/;
const UNIT_MIB: Record<string, number> = { B: 1 / MiB, KiB: 1 / 1024, MiB: 1, GiB: 1024 };

/** The same scenario with aria2c seeders and leecher around an opentracker, all on 127.0.0.1. */
export class Aria2Swarm {
  private constructor(
    private readonly workspace: Workspace,
    private readonly file: SwarmFile,
    private readonly torrentPath: string,
    private readonly tracker: OpenTracker,
    private readonly seeders: TrackedProcess[],
  ) {}

  /** Makes the torrent, starts opentracker and the seeders; resolves once all are announced. */
  static async start(workspace: Workspace, file: SwarmFile, seeders: number): Promise<Aria2Swarm> {
    const root = join(workspace.dir, 'aria2');
    mkdirSync(root, { recursive: true });
    const torrentPath = join(root, `${file.name}.torrent`);
    // Same piece size as ours, so both verify the same number of pieces.
    const pieceExponent = Math.log2(pieceSizeFor(file.sizeBytes));
    const tracker = await startOpenTrackerFor(workspace, root, file, torrentPath, pieceExponent);
    const swarm = new Aria2Swarm(workspace, file, torrentPath, tracker, []);
    for (let index = 1; index <= seeders; index++) {
      const dir = join(root, `seed${index}`);
      mkdirSync(dir, { recursive: true });
      linkOrCopy(file.path, join(dir, file.name));
      const port = await freeTcpPort();
      swarm.seeders.push(
        workspace.group.spawn(`aria2c seeder ${index}`, 'aria2c', [
          ...COMMON_FLAGS,
          ...ARIA2_SEEDER_FLAGS,
          `--listen-port=${port}`,
          `--dir=${dir}`,
          torrentPath,
        ]),
      );
    }
    for (let waitedMs = 0; ((await tracker.countSeeders()) ?? 0) < seeders; waitedMs += 100) {
      if (waitedMs > SEEDERS_READY_TIMEOUT_MS) {
        throw new Error(`opentracker knows fewer than ${seeders} aria2c seeders after 30 s`);
      }
      await sleep(100);
    }
    return swarm;
  }

  /**
   * CPU of an aria2c that started and settled with nothing to do (RPC on, so it stays): the
   * same start-up baseline as bt-tui's idle peer, minus the announce (it has no torrent).
   */
  async measureIdleCpu(): Promise<number | null> {
    const idle = this.workspace.group.spawn('aria2c idle', 'aria2c', [
      ...COMMON_FLAGS,
      '--enable-rpc=true',
      `--rpc-listen-port=${await freeTcpPort()}`,
    ]);
    try {
      await sleep(IDLE_SETTLE_MS);
      return readCpuSeconds(idle.pid);
    } finally {
      await this.workspace.group.stop(idle);
    }
  }

  /** Downloads into an empty folder with a fresh aria2c, judged and cleaned up. */
  async runLeecher(run: number): Promise<LeecherResult> {
    const dir = join(this.workspace.dir, 'aria2', `leech${run}`);
    mkdirSync(dir, { recursive: true });
    const seederWatch = new SeederCpuWatch(this.seeders);
    const measured = await runMeasured(this.workspace.group, {
      label: `aria2c leecher ${run}`,
      command: 'aria2c',
      args: [
        ...COMMON_FLAGS,
        ...ARIA2_LEECHER_FLAGS,
        `--listen-port=${await freeTcpPort()}`,
        `--dir=${dir}`,
        this.torrentPath,
      ],
      statsPath: join(this.workspace.dir, `aria2-leecher-${run}.time`),
      timeoutMs: leechTimeoutMs(this.file.sizeBytes),
    });
    // aria2c logs nothing of what each seeder served: the report falls back to the file size.
    const seeders = seederWatch.finish().map((seeder) => ({ ...seeder, servedBytes: null }));
    let engineMiBps: number | null = null;
    for (const line of measured.lines) {
      const match = RESULT_ROW.exec(line);
      if (match) engineMiBps = Number(match[1]) * (UNIT_MIB[match[2]!] ?? Number.NaN);
    }
    const result = await judgeLeecher(
      measured,
      this.file,
      join(dir, this.file.name),
      engineMiBps,
      null,
    );
    rmSync(dir, { recursive: true, force: true });
    return { ...result, seeders };
  }

  /** The aria2c seeder processes. */
  seederProcesses(): readonly TrackedProcess[] {
    return this.seeders;
  }

  /** Stops the seeders, then opentracker. */
  async stop(): Promise<void> {
    const { group } = this.workspace;
    await Promise.all(this.seeders.map((seeder) => group.stop(seeder)));
    await group.stop(this.tracker.process);
  }
}

async function startOpenTrackerFor(
  workspace: Workspace,
  root: string,
  file: SwarmFile,
  torrentPath: string,
  pieceExponent: number,
): Promise<OpenTracker> {
  // The torrent's announce URL needs the port; the tracker's whitelist needs the torrent.
  const port = await freeTcpUdpPort();
  const announceUrl = `http://127.0.0.1:${port}/announce`;
  const infohashHex = makeTorrent(file, torrentPath, announceUrl, pieceExponent);
  return startOpenTracker(workspace.group, join(root, 'opentracker'), infohashHex, port);
}

/** Writes a torrent of `file` with mktorrent (pieces of 2^pieceExponent B); returns its info hash (hex). */
export function makeTorrent(
  file: SwarmFile,
  torrentPath: string,
  announceUrl: string,
  pieceExponent: number,
): string {
  execFileSync(
    'mktorrent',
    ['-l', String(pieceExponent), '-a', announceUrl, '-o', torrentPath, file.path],
    { stdio: 'ignore' },
  );
  const shown = execFileSync('aria2c', ['-S', torrentPath], { encoding: 'utf8' });
  const infohashHex = /Info Hash: ([0-9a-f]{40})/.exec(shown)?.[1];
  if (!infohashHex) throw new Error(`aria2c -S shows no info hash for ${torrentPath}`);
  return infohashHex;
}

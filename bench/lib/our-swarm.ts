import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI_NODE_ARGS } from './build.ts';
import { linkOrCopy, MiB, type SwarmFile } from './files.ts';
import { judgeLeecher, type LeecherResult } from './leecher-result.ts';
import { runMeasured } from './measure.ts';
import { readCpuSeconds, readStatusBytes } from './proc-stats.ts';
import type { TrackedProcess } from './processes.ts';
import { creditsFrom, SeederCpuWatch, sourcesFrom } from './serving-cost.ts';
import type { Workspace } from './workspace.ts';

/** Node ids: seeders are 1..N, the idle peer and the leechers sit well above them. */
const IDLE_PEER_ID = 90;
const FIRST_LEECHER_ID = 100;

/** An idle peer settles (imports loaded, registered, first heartbeat timers) within this. */
const IDLE_SETTLE_MS = 1_000;

/**
 * The tracker logs a download's credits when the leecher's UPDATE arrives, just before it
 * exits: wait this long for the first line, then CREDIT_TAIL_MS for the rest of that UPDATE's.
 */
const CREDIT_WAIT_MS = 2_000;
const CREDIT_TAIL_MS = 100;

/** Seeders hash the file before they OWN it: allow a slow disk, ~10 MiB/s, per MiB. */
const startTimeoutMs = (sizeBytes: number) => 30_000 + (sizeBytes / MiB) * 100;

/** A leecher slower than ~2 MiB/s is stuck, not slow: it is killed and the run fails. */
const leechTimeoutMs = (sizeBytes: number) => 60_000 + (sizeBytes / MiB) * 500;

export interface OurSwarmOptions {
  workspace: Workspace;
  file: SwarmFile;
  seeders: number;
  blockSizeBytes: number;
  /** The bt-tui CLI to run (dist/cli.js of this or another build). */
  cliPath: string;
  /** The loopback address every process listens on: 127.0.0.1, or ::1. */
  host: string;
}

/** A peer that only registered: the baseline a leecher's RSS and CPU are compared with. */
export interface IdlePeerMemory {
  rssBytes: number | null;
  peakRssBytes: number | null;
  /** CPU (user + system) it used to start, register and settle: a leecher's start-up cost. */
  cpuSeconds: number | null;
}

/** What `done NAME: X MiB in S s (R MiB/s)` says, the engine's own rate. */
const DONE_LINE = /\bdone \S+: [\d.]+ MiB in [\d.]+ s \(([\d.]+) MiB\/s[;)]/;
const OWNER_LINE = /\bowner node (\d+) at /;
/** The leecher's `transfer NAME: N REQUESTs, ...` line after a download. */
const TRANSFER_LINE = /\btransfer \S+: (\d+) REQUESTs?\b/;

/**
 * A bt-tui swarm of real CLI processes on loopback (127.0.0.1 or ::1): one tracker and N seeders of one file,
 * ready (every seeder OWNs it) when start() resolves. Leechers are run one at a time.
 */
export class OurSwarm {
  private constructor(
    private readonly options: OurSwarmOptions,
    private readonly trackerAddress: string,
    private readonly running: TrackedProcess[],
  ) {}

  /** Starts the tracker and the seeders; resolves once the tracker logged every seeder's OWN. */
  static async start(options: OurSwarmOptions): Promise<OurSwarm> {
    const { workspace, file } = options;
    const root = join(workspace.dir, 'ours');
    const tracker = workspace.group.spawn('our tracker', process.execPath, [
      ...CLI_NODE_ARGS,
      options.cliPath,
      'tracker',
      '--headless',
      '--host',
      options.host,
      '--port',
      '0',
      '--db',
      join(root, 'db'),
      '--logs',
      join(root, 'logs'),
    ]);
    // `listening on 127.0.0.1:PORT` or `listening on [::1]:PORT`: the address peers are given.
    const listening = await tracker.waitForLine(/listening on (\S+:\d+) /, 10_000);
    const swarm = new OurSwarm(options, listening[1]!, [tracker]);
    const owned: Promise<unknown>[] = [];
    for (let id = 1; id <= options.seeders; id++) {
      const folder = join(root, 'files', `node${id}`);
      mkdirSync(folder, { recursive: true });
      linkOrCopy(file.path, join(folder, file.name));
      swarm.running.push(swarm.spawnPeer(`our seeder ${id}`, id, ['--seed', file.name]));
      owned.push(
        tracker.waitForLine(
          new RegExp(`owns node ${id} ${escapeRegExp(file.name)} `),
          startTimeoutMs(file.sizeBytes),
        ),
      );
    }
    await Promise.all(owned);
    return swarm;
  }

  /** Starts a peer that seeds and downloads nothing, reads its memory once settled, stops it. */
  async measureIdlePeer(): Promise<IdlePeerMemory> {
    const tracker = this.running[0]!;
    const idle = this.spawnPeer('our idle peer', IDLE_PEER_ID, []);
    try {
      await tracker.waitForLine(new RegExp(`joined node ${IDLE_PEER_ID} `), 10_000);
      await sleep(IDLE_SETTLE_MS);
      return {
        rssBytes: readStatusBytes(idle.pid, 'VmRSS'),
        peakRssBytes: readStatusBytes(idle.pid, 'VmHWM'),
        cpuSeconds: readCpuSeconds(idle.pid),
      };
    } finally {
      await this.options.workspace.group.stop(idle);
    }
  }

  /**
   * Downloads the file with a fresh leecher process (id 100 + run), judged and cleaned up;
   * `leecherArgs` are more flags for it (`--download-limit 500K`, with a `timeoutMs` to suit).
   */
  async runLeecher(
    run: number,
    leecherArgs: readonly string[] = [],
    timeoutMs = leechTimeoutMs(this.options.file.sizeBytes),
  ): Promise<LeecherResult> {
    const { workspace, file } = this.options;
    const id = FIRST_LEECHER_ID + run;
    const [tracker, ...seeders] = this.running;
    const seederWatch = new SeederCpuWatch(seeders);
    const measured = await runMeasured(workspace.group, {
      label: `our leecher ${id}`,
      command: process.execPath,
      args: [
        ...CLI_NODE_ARGS,
        this.options.cliPath,
        ...this.peerArgs(id),
        '--download',
        file.name,
        '--exit-when-done',
        ...leecherArgs,
      ],
      statsPath: join(workspace.dir, `ours-leecher-${run}.time`),
      timeoutMs,
    });
    const seederCpu = seederWatch.finish();
    const folder = join(workspace.dir, 'ours', 'files', `node${id}`);
    const engineMiBps = firstMatch(measured.lines, DONE_LINE);
    const owners = new Set(measured.lines.map((line) => OWNER_LINE.exec(line)?.[1]).filter(Boolean))
      .size;
    const result = await judgeLeecher(
      measured,
      file,
      join(folder, file.name),
      engineMiBps === null ? null : Number(engineMiBps),
      owners,
    );
    rmSync(folder, { recursive: true, force: true });
    const credits = sourcesFrom(measured.lines) ?? (await this.waitForCredits(tracker!, id));
    // Seeder K is node K; a seeder neither the leecher nor any credit names served nothing.
    const seederServing = seederCpu.map((seeder, index) => ({
      ...seeder,
      servedBytes: credits.size === 0 ? null : (credits.get(index + 1) ?? 0),
    }));
    const requests = firstMatch(measured.lines, TRANSFER_LINE);
    return {
      ...result,
      seeders: seederServing,
      requests: requests === null ? null : Number(requests),
    };
  }

  /** The credits the tracker logged for `downloaderId`'s UPDATE (empty if none came). */
  private async waitForCredits(tracker: TrackedProcess, downloaderId: number) {
    const line = new RegExp(`\\bcredited node ${downloaderId} -> `);
    try {
      await tracker.waitForLine(line, CREDIT_WAIT_MS);
      await sleep(CREDIT_TAIL_MS);
    } catch {
      // No credit (another credit rule, or the UPDATE was lost): served bytes stay unknown.
    }
    return creditsFrom(tracker.lines, downloaderId);
  }

  /** The seeder processes, in node id order (seeder K is node K). */
  seederProcesses(): readonly TrackedProcess[] {
    return this.running.slice(1);
  }

  /** Stops the seeders, then the tracker. */
  async stop(): Promise<void> {
    const { group } = this.options.workspace;
    const [tracker, ...seeders] = this.running;
    await Promise.all(seeders.map((seeder) => group.stop(seeder)));
    if (tracker) await group.stop(tracker);
  }

  private spawnPeer(label: string, id: number, extraArgs: string[]): TrackedProcess {
    return this.options.workspace.group.spawn(label, process.execPath, [
      ...CLI_NODE_ARGS,
      this.options.cliPath,
      ...this.peerArgs(id),
      ...extraArgs,
    ]);
  }

  private peerArgs(id: number): string[] {
    const root = join(this.options.workspace.dir, 'ours');
    return [
      'peer',
      '--id',
      String(id),
      '--host',
      this.options.host,
      '--tracker',
      this.trackerAddress,
      '--files',
      join(root, 'files'),
      '--logs',
      join(root, 'logs'),
      '--block-size',
      String(this.options.blockSizeBytes),
      '--headless',
    ];
  }
}

function firstMatch(lines: string[], pattern: RegExp): string | null {
  for (const line of lines) {
    const match = pattern.exec(line);
    if (match?.[1] !== undefined) return match[1];
  }
  return null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The trackers of one tracker-scale run: one tracker on its own LMDB store, or several sharing
 * one swarm through a redis-server started for the run (stopped by its PID at the end). Each
 * tracker runs with the event-loop probe; figures over the fleet are the worst tracker's (loop)
 * or the sum (CPU). A tracker can be SIGKILLed mid-run (tracker-scale.ts --kill-one): its CPU
 * then counts up to the kill, and RSS sums the trackers still alive.
 */
import { join } from 'node:path';
import { type RedisServer, startRedisServer } from '../../test/peer/harness/redis-server.ts';
import { CLI_NODE_ARGS } from './build.ts';
import { combineLoopFigures, LOOP_PROBE, readLoopFigures } from './loop-figures.ts';
import type { LoopFigures } from './loop-probe.ts';
import { readCpuSeconds, readStatusBytes, sumOrNull } from './proc-stats.ts';
import type { TrackedProcess } from './processes.ts';
import type { Workspace } from './workspace.ts';

/** How the fleet is made. */
export interface FleetOptions {
  trackers: number;
  /** 'redis': one redis-server for the run, every tracker on it; 'lmdb': one tracker, tracker_db. */
  store: 'lmdb' | 'redis';
  sweepSeconds: number;
  cliPath: string;
  /** More `bt-tui tracker` flags (e.g. --max-files). */
  trackerArgs?: readonly string[];
  /** Names this run's folders. */
  tag: string;
}

/** Running trackers and what they share. */
export interface Fleet {
  readonly trackers: { process: TrackedProcess; port: number; loopFile: string }[];
  readonly dbDir: string;
  readonly redis: RedisServer | null;
  /** Sum of the live trackers' VmRSS (bytes), null if one could not be read. */
  rssBytes(): number | null;
  /** Sum of the trackers' CPU seconds (a killed one's as of its kill), null if one is unknown. */
  cpuSeconds(): number | null;
  /** SIGKILLs tracker `index` (by its PID); resolves once it is gone. */
  kill(index: number): Promise<void>;
  /** The worst event-loop figures over the trackers, since the last window reset. */
  loop(): LoopFigures | null;
  /** Starts a new measuring window in every probe (SIGUSR2). */
  resetLoopWindow(): void;
  stop(): Promise<void>;
}

/** Starts the trackers (and Redis) and waits until each listens. */
export async function startFleet(workspace: Workspace, options: FleetOptions): Promise<Fleet> {
  const redis = options.store === 'redis' ? await startRedisServer() : null;
  const dbDir = join(workspace.dir, `db-${options.tag}`);
  const trackers: Fleet['trackers'] = [];
  for (let index = 0; index < options.trackers; index++) {
    const loopFile = join(workspace.dir, `loop-${options.tag}-${index}.json`);
    process.env.BT_LOOP_PROBE_FILE = loopFile;
    const store = redis ? ['--store', redis.url] : ['--db', dbDir];
    const tracker = workspace.group.spawn(`tracker ${index}`, process.execPath, [
      ...CLI_NODE_ARGS,
      '--import',
      'tsx',
      '--import',
      LOOP_PROBE,
      options.cliPath,
      'tracker',
      '--headless',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--sweep',
      String(options.sweepSeconds),
      '--logs',
      join(workspace.dir, `logs-${options.tag}-${index}`),
      ...store,
      ...(options.trackerArgs ?? []),
    ]);
    const listening = await tracker.waitForLine(/listening on 127\.0\.0\.1:(\d+)/, 20_000);
    trackers.push({ process: tracker, port: Number(listening[1]), loopFile });
  }
  /** CPU seconds of each killed tracker, read just before its kill. */
  const cpuAtKill = new Map<number, number | null>();
  const live = () => trackers.filter((_, index) => !cpuAtKill.has(index));
  return {
    trackers,
    dbDir,
    redis,
    rssBytes: () => sumOrNull(live().map((t) => readStatusBytes(t.process.pid, 'VmRSS'))),
    cpuSeconds: () =>
      sumOrNull(
        trackers.map((t, index) =>
          cpuAtKill.has(index) ? cpuAtKill.get(index)! : readCpuSeconds(t.process.pid),
        ),
      ),
    kill: async (index) => {
      const tracker = trackers[index]!;
      cpuAtKill.set(index, readCpuSeconds(tracker.process.pid));
      process.kill(tracker.process.pid, 'SIGKILL');
      await tracker.process.exited;
    },
    loop: () => combineLoopFigures(trackers.map((t) => readLoopFigures(t.loopFile))),
    resetLoopWindow: () => {
      for (const t of live()) process.kill(t.process.pid, 'SIGUSR2');
    },
    stop: async () => {
      await Promise.all(trackers.map((t) => workspace.group.stop(t.process)));
      await redis?.stop();
    },
  };
}

/**
 * Tracker at scale: one real tracker process (`bt-tui tracker --headless --sweep S`) and one
 * load generator process (bench/lib/tracker-load.ts) simulating many nodes, each on its own
 * loopback address, speaking the real codec. For each node count: a fresh tracker and db.
 *
 *   node --import tsx bench/tracker-scale.ts [--nodes 1000,10000] [--sweep 22] [--seconds 30]
 *                                            [--ramp 2000] [--cli PATH/dist/cli.js]
 *                                            [--trackers 2 --store redis]
 *
 * With --store redis a redis-server is started for each node count and every tracker shares
 * the swarm through it; the generators are spread over the trackers (generator i talks to
 * tracker i mod N).
 *
 * Prints one line per phase and a table. Figures, not a test: see README.md.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CLI_PATH, ensureFreshBuild, REPO_ROOT } from './lib/build.ts';
import { histogramPercentile } from './lib/latency-histogram.ts';
import { type LoadResult, mergeLoadResults } from './lib/load-result.ts';
import type { LoopFigures } from './lib/loop-probe.ts';
import { busyMachineWarning, describeMachine, readCpuSeconds } from './lib/proc-stats.ts';
import { fixed, formatTable, mebibytes } from './lib/table.ts';
import { startFleet } from './lib/tracker-fleet.ts';
import { withWorkspace } from './lib/workspace.ts';

const USAGE =
  'flags: --nodes LIST (1000,10000) --sweep S (22, as the tracker) --seconds S (30) --ramp NODES_PER_S (2000) --cli PATH --trackers N (1) --store lmdb|redis (lmdb)';
const LOAD_SCRIPT = join(REPO_ROOT, 'bench', 'lib', 'tracker-load.ts');
/** Sockets (nodes) per load generator process, under the 20,000-descriptor limit seen here. */
const NODES_PER_GENERATOR = 15_000;

interface Flags {
  nodeCounts: number[];
  sweepSeconds: number;
  measureSeconds: number;
  rampPerSecond: number;
  cliPath: string | null;
  trackers: number;
  store: 'lmdb' | 'redis';
}

function parseFlags(argv: string[]): Flags {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: 'string', default: '1000,10000' },
        sweep: { type: 'string', default: '22' },
        seconds: { type: 'string', default: '30' },
        ramp: { type: 'string', default: '2000' },
        cli: { type: 'string' },
        trackers: { type: 'string', default: '1' },
        store: { type: 'string', default: 'lmdb' },
      },
    });
    const nodeCounts = values.nodes.split(',').map(Number);
    if (nodeCounts.some((n) => !Number.isSafeInteger(n) || n < 1 || n > 254 ** 3)) {
      throw new Error(`--nodes takes positive integers, comma-separated (got "${values.nodes}")`);
    }
    const numbers = [values.sweep, values.seconds, values.ramp].map(Number);
    if (numbers.some((n) => !(n > 0))) throw new Error('--sweep, --seconds, --ramp must be > 0');
    const trackers = Number(values.trackers);
    if (values.store !== 'lmdb' && values.store !== 'redis') {
      throw new Error(`--store is lmdb or redis (got "${values.store}")`);
    }
    if (
      !Number.isSafeInteger(trackers) ||
      trackers < 1 ||
      (trackers > 1 && values.store !== 'redis')
    ) {
      throw new Error('--trackers N: a positive integer; more than one needs --store redis');
    }
    return {
      trackers,
      store: values.store,
      nodeCounts,
      sweepSeconds: numbers[0]!,
      measureSeconds: numbers[1]!,
      rampPerSecond: numbers[2]!,
      cliPath: values.cli ?? null,
    };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

interface Row {
  load: LoadResult;
  peakRssBytes: number | null;
  endRssBytes: number | null;
  trackerCpuPercent: number | null;
  loop: LoopFigures | null;
  storeBytes: number | null;
}

const HEADERS = [
  'nodes',
  'registered',
  'sent/s',
  'answered/s',
  'timed out',
  'errors',
  'p50 ms',
  'p99 ms',
  'max ms',
  'tracker CPU %',
  'RSS peak MiB',
  'loop max ms',
  'stalls >20 ms',
  'store KiB',
];

const flags = parseFlags(process.argv.slice(2));
if (flags.cliPath === null) ensureFreshBuild();
const cliPath = flags.cliPath ?? CLI_PATH;
console.log(describeMachine());
const busy = busyMachineWarning();
if (busy) console.log(busy);
console.log(
  `scenario: ${flags.trackers} tracker(s) on ${flags.store === 'redis' ? 'one redis-server' : 'LMDB'}, --sweep ${flags.sweepSeconds} (CLI ${cliPath}); nodes register at ${flags.rampPerSecond}/s, OWN 3 files each, heartbeat once per period, 1 in 10 also NEED + UPDATE per period; measured for ${flags.measureSeconds} s after the ramp`,
);

process.exitCode = await withWorkspace('bt-bench-tracker', async (workspace) => {
  const rows: Row[] = [];
  for (const nodeCount of flags.nodeCounts) {
    const fleet = await startFleet(workspace, {
      trackers: flags.trackers,
      store: flags.store,
      sweepSeconds: flags.sweepSeconds,
      cliPath,
      tag: String(nodeCount),
    });
    let peakRssBytes: number | null = null;
    const rssTimer = setInterval(() => {
      const rss = fleet.rssBytes();
      if (rss !== null) peakRssBytes = Math.max(peakRssBytes ?? 0, rss);
    }, 200);
    // One socket per node: a process may hold fewer descriptors than 100k nodes need (the hard
    // limit here is 20,000), so the swarm is split over several generator processes.
    // At least one generator per tracker, so every tracker serves some of the swarm.
    const generators = Math.max(flags.trackers, Math.ceil(nodeCount / NODES_PER_GENERATOR));
    const loads = Array.from({ length: generators }, (_, index) => {
      const first = Math.floor((index * nodeCount) / generators);
      const count = Math.floor(((index + 1) * nodeCount) / generators) - first;
      return workspace.group.spawn(
        `load ${index}`,
        'prlimit',
        [
          `--nofile=${count + 1_000}`,
          process.execPath,
          '--import',
          'tsx',
          LOAD_SCRIPT,
          String(fleet.trackers[index % fleet.trackers.length]!.port),
          String(count),
          String(flags.rampPerSecond / generators),
          String(flags.measureSeconds),
          String(first),
          String(nodeCount),
        ],
        REPO_ROOT,
      );
    });
    let row: Row | null = null;
    try {
      const rampTimeoutMs = 60_000 + (nodeCount / flags.rampPerSecond) * 3_000;
      await Promise.all(loads.map((load) => load.waitForLine(/^bound .*/, 120_000)));
      console.log(`  ${nodeCount} nodes: ${generators} generator process(es) bound their sockets`);
      const ramps = await Promise.all(
        loads.map((load) => load.waitForLine(/^registered .*/, rampTimeoutMs)),
      );
      console.log(`  ${nodeCount} nodes: ${ramps.map((line) => line[0]).join('; ')}`);
      await sleep(500);
      fleet.resetLoopWindow();
      const cpuOf = () => sumOrNull(fleet.trackers.map((t) => readCpuSeconds(t.process.pid)));
      const cpuBefore = cpuOf();
      const cpuStartMs = performance.now();
      const resultLines = await Promise.all(
        loads.map((load) =>
          load.waitForLine(/^RESULT (.*)$/, flags.measureSeconds * 1000 + 30_000),
        ),
      );
      const cpuAfter = cpuOf();
      const cpuSeconds = (performance.now() - cpuStartMs) / 1000;
      const result = mergeLoadResults(
        resultLines.map((line) => JSON.parse(line[1]!) as LoadResult),
      );
      row = {
        load: result,
        peakRssBytes,
        endRssBytes: fleet.rssBytes(),
        trackerCpuPercent:
          cpuBefore === null || cpuAfter === null
            ? null
            : ((cpuAfter - cpuBefore) * 100) / cpuSeconds,
        loop: fleet.loop(),
        storeBytes: fleet.redis ? null : sizeOf(join(fleet.dbDir, 'tracker.mdb')),
      };
      rows.push(row);
      console.log(describeRow(row));
    } finally {
      clearInterval(rssTimer);
      await Promise.all(loads.map((load) => workspace.group.stop(load)));
      await fleet.stop();
    }
  }
  console.log('');
  console.log(formatTable(HEADERS, rows.map(tableRow)));
  console.log(
    '(sent/s and answered/s over the measured window; p50/p99/max: reply latency of answered requests of the window, sent by the generator to reply received; timed out: no reply in 2 s; errors: ERROR replies by code; tracker CPU over the window (all trackers, % of one core); RSS peak: VmRSS of all trackers, polled every 200 ms over the whole run; loop max: the longest event-loop delay in any tracker over the window (perf_hooks, 1 ms resolution); stalls >20 ms: how many times a 5 ms timer fired over 25 ms late in the window, all trackers; store: tracker.mdb at the end, - with Redis)',
  );
  for (const row of rows) {
    if (row.load.timedOut > 0 || row.load.registered < row.load.nodes) {
      console.log(
        `WARNING ${row.load.nodes} nodes: ${row.load.timedOut} requests timed out, ${row.load.registered}/${row.load.nodes} registered: the tracker fell behind`,
      );
    }
  }
  return 0;
});

function sumOrNull(values: (number | null)[]): number | null {
  return values.some((v) => v === null) ? null : values.reduce((a, b) => a! + b!, 0);
}

function sizeOf(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

function tableRow(row: Row): string[] {
  const { load } = row;
  const errors = Object.entries(load.errors)
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
  return [
    String(load.nodes),
    String(load.registered),
    fixed(load.sent / load.measureSeconds, 0),
    fixed(load.answered / load.measureSeconds, 0),
    String(load.timedOut),
    errors || '0',
    fixed(histogramPercentile(load.latencyHistogram, 0.5), 2),
    fixed(histogramPercentile(load.latencyHistogram, 0.99), 2),
    fixed(load.latencyMaxMs, 1),
    fixed(row.trackerCpuPercent, 0),
    mebibytes(row.peakRssBytes),
    fixed(row.loop?.maxMs ?? null, 1),
    row.loop ? String(row.loop.over20Ms) : '-',
    row.storeBytes === null ? '-' : (row.storeBytes / 1024).toFixed(0),
  ];
}

function describeRow(row: Row): string {
  const { load } = row;
  return `  ${load.nodes} nodes: ${load.answered}/${load.sent} answered in ${load.measureSeconds.toFixed(1)} s, p50 ${fixed(histogramPercentile(load.latencyHistogram, 0.5), 2)} ms, p99 ${fixed(histogramPercentile(load.latencyHistogram, 0.99), 2)} ms, ${load.timedOut} timed out, by type ${JSON.stringify(load.byType)}, ramp ${load.rampSeconds.toFixed(1)} s (${load.rampTimedOut} timed out), heartbeat period ${load.heartbeatIntervalMs} ms, RSS end ${mebibytes(row.endRssBytes)} MiB, event loop ${JSON.stringify(row.loop)}`;
}

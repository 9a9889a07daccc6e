/**
 * Tracker at scale: one real tracker process (`bt-tui tracker --headless --sweep S`) and one
 * load generator process (bench/lib/tracker-load.ts) simulating many nodes, each on its own
 * loopback address, speaking the real codec. For each node count: a fresh tracker and db.
 *
 *   node --import tsx bench/tracker-scale.ts [--nodes 1000,10000] [--sweep 22] [--seconds 30]
 *                                            [--ramp 2000] [--cli PATH/dist/cli.js]
 *                                            [--trackers 2 --store redis [--kill-one]]
 *
 * With --store redis a redis-server is started for each node count and every tracker shares
 * the swarm through it; the generators are spread over the trackers (generator i talks to
 * tracker i mod N).
 *
 * --kill-one SIGKILLs tracker 0 five seconds into the window (bench/lib/kill-one.ts). Its
 * generators are then given every tracker, their own first, and their nodes follow the real
 * client's failover (bench/lib/sim-swarm.ts); the row adds the timeouts since the kill, how long
 * until every node of the killed tracker was answered by another, how many nodes the shared
 * view lost, and whether the credits of the acknowledged UPDATEs are what the store holds
 * (bench/lib/shared-view-audit.ts).
 *
 * Prints one line per phase and a table. Figures, not a test: see README.md.
 */
import { statSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaults, heartbeatIntervalForSweep } from '../source/config.ts';
import { CLI_PATH, ensureFreshBuild, REPO_ROOT } from './lib/build.ts';
import { epochNowMs } from './lib/kill-notice.ts';
import {
  KILL_AFTER_WINDOW_START_MS,
  type KillRecord,
  killOneTrackerLater,
  trackerOrder,
} from './lib/kill-one.ts';
import {
  describeKill,
  KILL_FOOTNOTE,
  KILL_HEADERS,
  type KillRow,
  killCells,
  killWarnings,
} from './lib/kill-report.ts';
import { histogramPercentile } from './lib/latency-histogram.ts';
import { type LoadResult, mergeLoadResults } from './lib/load-result.ts';
import { combineLoopFigures, LOOP_PROBE, readLoopFigures } from './lib/loop-figures.ts';
import type { LoopFigures } from './lib/loop-probe.ts';
import { busyMachineWarning, describeMachine } from './lib/proc-stats.ts';
import { auditSharedView } from './lib/shared-view-audit.ts';
import { FILES_PER_NODE } from './lib/sim-files.ts';
import { fixed, formatTable, mebibytes } from './lib/table.ts';
import { startFleet } from './lib/tracker-fleet.ts';
import { parseFlags } from './lib/tracker-scale-flags.ts';
import { startWireCapture, type WireLatency } from './lib/wire-latency.ts';
import { withWorkspace } from './lib/workspace.ts';

const LOAD_SCRIPT = join(REPO_ROOT, 'bench', 'lib', 'tracker-load.ts');
/** Sockets (nodes) per load generator process, under the 20,000-descriptor limit seen here. */
const NODES_PER_GENERATOR = 15_000;
/** Nice value of the generators (and of their autogroups): the tracker under test goes first. */
const GENERATOR_NICE = 10;

interface Row {
  load: LoadResult;
  peakRssBytes: number | null;
  endRssBytes: number | null;
  trackerCpuPercent: number | null;
  /** The load generators' CPU over the window, % of one core (they share the machine). */
  generatorCpuPercent: number | null;
  loop: LoopFigures | null;
  /**
   * The load generators' own stalls: a reply that waits for a busy generator is counted late
   * although the tracker answered in time.
   */
  generatorLoop: LoopFigures | null;
  /** The trackers' answer times from a packet capture (null without tcpdump or root). */
  wire: WireLatency | null;
  storeBytes: number | null;
  kill: KillRow | null;
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
  'NEED p50',
  'NEED p99',
  'wire p99',
  'wire NEED p99',
  'tracker CPU %',
  'RSS peak MiB',
  'loop max ms',
  'stalls >20 ms',
  'own stalls',
  'store KiB',
];

const flags = parseFlags(process.argv.slice(2));
if (flags.cliPath === null) ensureFreshBuild();
const cliPath = flags.cliPath ?? CLI_PATH;
console.log(describeMachine());
const busy = busyMachineWarning();
if (busy) console.log(busy);
console.log(
  `scenario: ${flags.trackers} tracker(s) on ${flags.store === 'redis' ? 'one redis-server' : 'LMDB'}, --sweep ${flags.sweepSeconds} (CLI ${cliPath}); nodes register at ${flags.rampPerSecond}/s, OWN 3 files each, heartbeat once per period, 1 in 10 also NEED + UPDATE per period; measured for ${flags.measureSeconds} s after the ramp${flags.indexAll ? '; --index-all: the trackers take every node and every OWN' : ''}${flags.killOne ? `; --kill-one: tracker 0 SIGKILLed ${KILL_AFTER_WINDOW_START_MS / 1000} s into the window` : ''}`,
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
      trackerArgs: flags.indexAll ? indexAllArgs(nodeCount) : [],
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
    const ports = fleet.trackers.map((tracker) => tracker.port);
    const noticePath = join(workspace.dir, `kill-notice-${nodeCount}.json`);
    // --kill-one: every tracker, its own first, and where the kill will be announced.
    const trackerArgs = (index: number) =>
      flags.killOne
        ? [trackerOrder(ports, index % ports.length).join(',')]
        : [String(ports[index % ports.length]!)];
    const generatorLoopFiles: string[] = [];
    const loads = Array.from({ length: generators }, (_, index) => {
      const first = Math.floor((index * nodeCount) / generators);
      const count = Math.floor(((index + 1) * nodeCount) / generators) - first;
      const loopFile = join(workspace.dir, `loop-load-${nodeCount}-${index}.json`);
      generatorLoopFiles.push(loopFile);
      process.env.BT_LOOP_PROBE_FILE = loopFile;
      const load = workspace.group.spawn(
        `load ${index}`,
        'prlimit',
        [
          `--nofile=${count + 1_000}`,
          process.execPath,
          '--import',
          'tsx',
          '--import',
          LOOP_PROBE,
          LOAD_SCRIPT,
          ...trackerArgs(index),
          String(count),
          String(flags.rampPerSecond / generators),
          String(flags.measureSeconds),
          String(first),
          String(nodeCount),
          ...(flags.killOne ? [noticePath] : []),
        ],
        REPO_ROOT,
      );
      yieldToTracker(load.pid);
      return load;
    });
    let row: Row | null = null;
    const cancelKill = new AbortController();
    try {
      const rampTimeoutMs = 60_000 + (nodeCount / flags.rampPerSecond) * 3_000;
      await Promise.all(loads.map((load) => load.waitForLine(/^bound .*/, 120_000)));
      console.log(`  ${nodeCount} nodes: ${generators} generator process(es) bound their sockets`);
      // From before the ramp: tcpdump takes a while to start. Only the window's requests count.
      const capture = await startWireCapture(workspace, ports, String(nodeCount)).catch(
        (error: Error) => {
          console.log(`  ${nodeCount} nodes: no packet capture (${error.message})`);
          return null;
        },
      );
      const ramps = await Promise.all(
        loads.map((load) => load.waitForLine(/^registered .*/, rampTimeoutMs)),
      );
      console.log(`  ${nodeCount} nodes: ${ramps.map((line) => line[0]).join('; ')}`);
      await sleep(500); // the last OWNs are answered outside the window
      // One moment for every generator's window and the trackers' probes (see tracker-load.ts).
      fleet.resetLoopWindow();
      for (const load of loads) process.kill(load.pid, 'SIGUSR2');
      const cpuBefore = fleet.cpuSeconds();
      const cpuStartMs = performance.now();
      const windowStartEpochMs = epochNowMs();
      const killing = flags.killOne
        ? killOneTrackerLater(fleet, noticePath, cancelKill.signal)
        : null;
      killing?.catch(() => {}); // Cancelled when the run failed: the failure is what to report.
      // After the window a generator follows a failover for up to a period and its timeouts.
      const followMs = flags.killOne ? heartbeatIntervalForSweep(flags.sweepSeconds * 1000) : 0;
      const resultLines = await Promise.all(
        loads.map((load) =>
          load.waitForLine(/^RESULT (.*)$/, flags.measureSeconds * 1000 + followMs + 30_000),
        ),
      );
      const cpuAfter = fleet.cpuSeconds();
      const cpuSeconds = (performance.now() - cpuStartMs) / 1000;
      const result = mergeLoadResults(
        resultLines.map((line) => JSON.parse(line[1]!) as LoadResult),
      );
      const wire =
        (await capture?.stop(
          result.windowStartEpochMs,
          result.windowStartEpochMs + result.measureSeconds * 1000,
        )) ?? null;
      row = {
        load: result,
        peakRssBytes,
        endRssBytes: fleet.rssBytes(),
        trackerCpuPercent:
          cpuBefore === null || cpuAfter === null
            ? null
            : ((cpuAfter - cpuBefore) * 100) / cpuSeconds,
        generatorCpuPercent: (result.cpuSeconds * 100) / result.measureSeconds,
        loop: fleet.loop(),
        generatorLoop: combineLoopFigures(generatorLoopFiles.map(readLoopFigures)),
        wire,
        storeBytes: fleet.redis ? null : sizeOf(join(fleet.dbDir, 'tracker.mdb')),
        kill: killing && (await killRow(killing, fleet.redis!.url, result)),
      };
      rows.push(row);
      console.log(describeRow(row));
      if (row.kill) console.log(describeKill(row.kill, windowStartEpochMs));
    } finally {
      cancelKill.abort();
      clearInterval(rssTimer);
      await Promise.all(loads.map((load) => workspace.group.stop(load)));
      await fleet.stop();
    }
  }
  console.log('');
  const headers = flags.killOne ? [...HEADERS, ...KILL_HEADERS] : HEADERS;
  console.log(formatTable(headers, rows.map(tableRow)));
  console.log(
    '(sent/s and answered/s over the measured window; p50/p99/max: reply latency of answered requests of the window, sent by the generator to reply received (NEED p50/p99: NEEDs alone); timed out: no reply in 2 s; errors: ERROR replies by code; tracker CPU over the window (all trackers, % of one core); RSS peak: VmRSS of all trackers, polled every 200 ms over the whole run; loop max: the longest event-loop delay in any tracker over the window (perf_hooks, 1 ms resolution); wire p99, wire NEED p99: the answer time of the trackers from a packet capture on lo (tcpdump), request to reply as the kernel saw them pass, so without the pauses of the generators; stalls >20 ms: how many times a 5 ms timer fired over 25 ms late in the window, all trackers; own stalls: those of them in which the main thread of the tracker was working (its code or a GC pause), not waiting for a CPU (from /proc/thread-self/schedstat); store: tracker.mdb at the end, - with Redis)',
  );
  if (flags.killOne) console.log(KILL_FOOTNOTE);
  for (const row of rows) {
    for (const warning of row.kill ? killWarnings(row.kill) : []) console.log(warning);
    // Requests to a killed tracker time out by design; that row's warnings are the ones above.
    const fellBehind = row.kill === null && row.load.timedOut > 0;
    if (fellBehind || row.load.registered < row.load.nodes) {
      console.log(
        `WARNING ${row.load.nodes} nodes: ${row.load.timedOut} requests timed out, ${row.load.registered}/${row.load.nodes} registered: the tracker fell behind`,
      );
    }
  }
  return 0;
});

/** The kill's part of the row, once the kill is done and the generators reported. */
async function killRow(
  killing: Promise<KillRecord>,
  storeUrl: string,
  load: LoadResult,
): Promise<KillRow> {
  const record = await killing;
  const figures = load.failover ?? null;
  // The surviving tracker writes its last batch to Redis within 50 ms of a change.
  await sleep(500);
  const audit = await auditSharedView(
    cliPath,
    storeUrl,
    load.nodes,
    load.registered,
    figures?.creditedBytes ?? {},
  );
  return { record, figures, audit };
}

/**
 * The generators stand for machines elsewhere: they must not take the tracker's CPU. Each is
 * started in a session of its own (detached), and with the kernel's autogroups (on here:
 * /proc/sys/kernel/sched_autogroup_enabled) every session is weighed as one task against the
 * others whatever its nice value, so the autogroup's nice is raised too. Before this, 37 of 38
 * tracker stalls over 20 ms at 100,000 nodes (three runs) were the tracker waiting for a CPU
 * while generators ran (perf sched: 20.5 ms of scheduling delay behind two of them).
 */
function yieldToTracker(pid: number): void {
  try {
    setPriority(pid, GENERATOR_NICE);
    writeFileSync(`/proc/${pid}/autogroup`, String(GENERATOR_NICE));
  } catch {
    // No autogroups (or the process is gone): its own nice value is what counts then.
  }
}

/**
 * `--index-all`: tracker bounds that fit the scenario (every node, FILES_PER_NODE OWNs each),
 * never below the tracker's defaults. Without it, at 100,000 nodes two thirds of the OWNs are
 * refused as full and NEEDs often find nothing.
 */
function indexAllArgs(nodeCount: number): string[] {
  const maxNodes = Math.max(nodeCount, defaults.trackerMaxNodes);
  const maxFiles = Math.max(nodeCount * FILES_PER_NODE, defaults.trackerMaxFiles);
  return ['--max-nodes', String(maxNodes), '--max-files', String(maxFiles)];
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
    fixed(histogramPercentile(load.needLatencyHistogram, 0.5), 2),
    fixed(histogramPercentile(load.needLatencyHistogram, 0.99), 2),
    fixed(row.wire && histogramPercentile(row.wire.histogram, 0.99), 2),
    fixed(row.wire && histogramPercentile(row.wire.needHistogram, 0.99), 2),
    fixed(row.trackerCpuPercent, 0),
    mebibytes(row.peakRssBytes),
    fixed(row.loop?.maxMs ?? null, 1),
    row.loop ? String(row.loop.over20Ms) : '-',
    row.loop?.stallCauses ? String(row.loop.stallCauses.gc + row.loop.stallCauses.running) : '-',
    row.storeBytes === null ? '-' : (row.storeBytes / 1024).toFixed(0),
    ...(row.kill ? killCells(row.kill) : []),
  ];
}

function describeRow(row: Row): string {
  const { load } = row;
  return `  ${load.nodes} nodes: ${load.answered}/${load.sent} answered in ${load.measureSeconds.toFixed(1)} s, p50 ${fixed(histogramPercentile(load.latencyHistogram, 0.5), 2)} ms, p99 ${fixed(histogramPercentile(load.latencyHistogram, 0.99), 2)} ms, ${load.timedOut} timed out, by type ${JSON.stringify(load.byType)}, ramp ${load.rampSeconds.toFixed(1)} s (${load.rampTimedOut} timed out), heartbeat period ${load.heartbeatIntervalMs} ms, RSS end ${mebibytes(row.endRssBytes)} MiB, generators' CPU ${fixed(row.generatorCpuPercent, 0)} %, event loop ${JSON.stringify(row.loop)}, generators' event loops ${JSON.stringify(row.generatorLoop)}, wire ${describeWire(row.wire)}`;
}

function describeWire(wire: WireLatency | null): string {
  if (!wire) return 'not captured';
  const p = (fraction: number) => fixed(histogramPercentile(wire.histogram, fraction), 2);
  const dropped = wire.droppedByKernel === null ? 'unknown' : String(wire.droppedByKernel);
  return `${wire.paired} requests answered (p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, p99.9 ${p(0.999)} ms), ${wire.unanswered} without a reply in the capture, ${dropped} packets dropped by the capture, answered in over 5 ms per second of the window [${wire.slowBySecond.join(' ')}]`;
}

/**
 * Loaded into a bench's tracker process with `node --import bench/lib/loop-probe.ts`: measures
 * the event loop's delay (perf_hooks, 1 ms resolution) and what the process's memory is made of
 * (V8's heap, ArrayBuffers, private and file-backed RSS), and writes the figures, as one JSON
 * object, to the file named by BT_LOOP_PROBE_FILE every 250 ms. SIGUSR2 starts a new window
 * (the bench sends it when the measured phase begins). No code of the tracker changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

/** What the probe writes. */
export interface LoopFigures {
  /** Longest stall of the window, ms. */
  maxMs: number;
  p99Ms: number;
  /** Stalls above 20 ms in the window (samples of the 1 ms timer that were that late). */
  over20Ms: number;
  /**
   * The same stalls by cause: the main thread waited for a CPU (runnable but not running, from
   * /proc/thread-self/schedstat) for most of the gap; or it ran, with a GC pause in the gap; or
   * it ran our own code. Only the last two are the tracker's doing.
   */
  stallCauses?: StallCauses;
  /** GC pauses of 10 ms or more in the window, the first 20: kind and length. */
  longGcPauses?: { kind: string; ms: number }[];
  /** Memory now, MiB: where an RSS figure comes from. */
  memory?: MemorySplit;
  /** The same for each of several processes (combineLoopFigures). */
  memoryEach?: MemorySplit[];
}

/** Stalls above 20 ms, by what the main thread did meanwhile. */
export interface StallCauses {
  waitingForCpu: number;
  gc: number;
  running: number;
}

/** The process's memory, MiB. */
export interface MemorySplit {
  /** Live JS objects, and what V8 reserved for its heap (young generation included). */
  heapUsed: number;
  heapTotal: number;
  /** ArrayBuffer and Buffer contents, outside V8's heap. */
  arrayBuffers: number;
  /** Private memory, and mapped files (Node's own binary, LMDB's database file). */
  rssAnon: number;
  rssFile: number;
  /** Each of V8's heap spaces: reserved, and in use by objects (what heapTotal is made of). */
  spaces?: Record<string, { size: number; used: number }>;
}

const MiB = 1024 * 1024;

function memorySplit(): MemorySplit {
  const usage = process.memoryUsage();
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  const round = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;
  return {
    heapUsed: round(usage.heapUsed),
    heapTotal: round(usage.heapTotal),
    arrayBuffers: round(usage.arrayBuffers),
    rssAnon: round(kib('RssAnon') * 1024),
    rssFile: round(kib('RssFile') * 1024),
    spaces: Object.fromEntries(
      getHeapSpaceStatistics()
        .filter((space) => space.space_size > 0)
        .map((space) => [
          space.space_name.replace(/_space$/, ''),
          { size: round(space.space_size), used: round(space.space_used_size) },
        ]),
    ),
  };
}

/** Time the main thread spent runnable but not running (the second field of schedstat), ns. */
function runqueueWaitNs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]);
  } catch {
    return 0;
  }
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
const LONG_GC_MS = 10;
const LONG_GC_KEPT = 20;

const file = process.env.BT_LOOP_PROBE_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let over20Ms = 0;
  let causes: StallCauses = { waitingForCpu: 0, gc: 0, running: 0 };
  let lastMs = performance.now();
  let lastWaitNs = runqueueWaitNs();
  // GC pauses of the last second: [start, end] in performance.now() time.
  const gcPauses: [number, number][] = [];
  let longGcPauses: { kind: string; ms: number }[] = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcPauses.push([entry.startTime, entry.startTime + entry.duration]);
      if (entry.duration >= LONG_GC_MS && longGcPauses.length < LONG_GC_KEPT) {
        const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? -1;
        const ms = Math.round(entry.duration * 10) / 10;
        longGcPauses.push({ kind: GC_KINDS[kind] ?? String(kind), ms });
      }
    }
    const horizonMs = performance.now() - 1_000;
    while (gcPauses.length > 0 && gcPauses[0]![1] < horizonMs) gcPauses.shift();
  }).observe({ entryTypes: ['gc'] });
  // A 5 ms timer sees each stall once: a gap above 25 ms is a stall above 20 ms.
  const counter = setInterval(() => {
    const nowMs = performance.now();
    const waitNs = runqueueWaitNs();
    const gapMs = nowMs - lastMs;
    if (gapMs > 25) {
      over20Ms++;
      const waitedMs = (waitNs - lastWaitNs) / 1e6;
      const startMs = lastMs;
      if (waitedMs > (gapMs - 5) / 2) causes.waitingForCpu++;
      else if (gcPauses.some(([from, to]) => to > startMs && from < nowMs)) causes.gc++;
      else causes.running++;
    }
    lastMs = nowMs;
    lastWaitNs = waitNs;
  }, 5);
  counter.unref();
  const write = () => {
    const figures: LoopFigures = {
      maxMs: histogram.max / 1e6,
      p99Ms: histogram.percentile(99) / 1e6,
      over20Ms,
      stallCauses: causes,
      longGcPauses,
      memory: memorySplit(),
    };
    writeFileSync(file, JSON.stringify(figures));
  };
  setInterval(write, 250).unref();
  process.on('SIGUSR2', () => {
    histogram.reset();
    over20Ms = 0;
    causes = { waitingForCpu: 0, gc: 0, running: 0 };
    longGcPauses = [];
    write();
  });
}

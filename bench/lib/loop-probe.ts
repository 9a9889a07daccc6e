/**
 * Loaded into a bench's tracker process with `node --import bench/lib/loop-probe.ts`: measures
 * the event loop's delay (perf_hooks, 1 ms resolution) and what the process's memory is made of
 * (V8's heap, ArrayBuffers, private and file-backed RSS), and writes the figures, as one JSON
 * object, to the file named by BT_LOOP_PROBE_FILE every 250 ms. SIGUSR2 starts a new window
 * (the bench sends it when the measured phase begins). No code of the tracker changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** What the probe writes. */
export interface LoopFigures {
  /** Longest stall of the window, ms. */
  maxMs: number;
  p99Ms: number;
  /** Stalls above 20 ms in the window (samples of the 1 ms timer that were that late). */
  over20Ms: number;
  /** Memory now, MiB: where an RSS figure comes from. */
  memory?: MemorySplit;
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
  };
}

const file = process.env.BT_LOOP_PROBE_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let over20Ms = 0;
  let lastMs = performance.now();
  // A 5 ms timer sees each stall once: a gap above 25 ms is a stall above 20 ms.
  const counter = setInterval(() => {
    const nowMs = performance.now();
    if (nowMs - lastMs > 25) over20Ms++;
    lastMs = nowMs;
  }, 5);
  counter.unref();
  const write = () => {
    const figures: LoopFigures = {
      maxMs: histogram.max / 1e6,
      p99Ms: histogram.percentile(99) / 1e6,
      over20Ms,
      memory: memorySplit(),
    };
    writeFileSync(file, JSON.stringify(figures));
  };
  setInterval(write, 250).unref();
  process.on('SIGUSR2', () => {
    histogram.reset();
    over20Ms = 0;
    write();
  });
}

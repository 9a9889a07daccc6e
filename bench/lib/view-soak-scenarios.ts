/**
 * The scenarios of bench/view-soak.ts: each starts what it needs (headless tracker, seeder or
 * peers as tracked processes, the view in its own tmux terminal), samples the view's process
 * until the plan's time is up, quits the view with its own key and returns its rows.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI_PATH } from './build.ts';
import { createSwarmFile, linkOrCopy, MiB, writeRandomFile } from './files.ts';
import type { ProcessGroup } from './processes.ts';
import {
  type SoakSample,
  type SoakWindow,
  sampleProcess,
  summarizeWindow,
} from './soak-samples.ts';
import { TmuxSession } from './tmux-session.ts';

/** How long and how often to measure. */
export interface SoakPlan {
  durationMs: number;
  warmUpMs: number;
  sampleMs: number;
  downloadMiB: number;
  /** Where to write each view's samples as `<view>.csv` (seconds, RSS MiB, CPU s), or null. */
  samplesDir: string | null;
}

/** One line of the result table. */
export interface SoakRow {
  scenario: string;
  window: SoakWindow | null;
  /** What went wrong (the view never drew, the download did not finish), or null. */
  problem: string | null;
  /** Whether the growth target applies (nothing should be accumulating). */
  steady: boolean;
  /** Whether the idle CPU target applies. */
  idle: boolean;
}

/** Where one scenario runs: its own folder, and the bench's tracked processes. */
export interface ScenarioSpace {
  dir: string;
  group: ProcessGroup;
}

const COLUMNS = 120;
const ROWS = 40;
/** The view's node id; seeders and heartbeating peers are 1..N. */
const VIEW_NODE_ID = 90;
/** Peers that heartbeat to the tracker view, each seeding a small file. */
const TRACKER_VIEW_PEERS = 3;
const SMALL_FILE_BYTES = MiB;
/** A view draws its first frame within this, even on a loaded machine (~6 s at load 14). */
const FIRST_FRAME_TIMEOUT_MS = 90_000;
/** After `q`, a view says EXIT to the tracker and restores the terminal within this. */
const QUIT_TIMEOUT_MS = 5_000;
/** A progress line per scenario this often, so a long soak shows life. */
const PROGRESS_EVERY_MS = 60_000;
/** The seeder hashes the file before it owns it: allow ~10 MiB/s. */
const ownTimeoutMs = (sizeBytes: number) => 30_000 + (sizeBytes / MiB) * 100;

/** (a) A peer view with nothing to download or seed. */
export async function runIdlePeerScenario(
  space: ScenarioSpace,
  plan: SoakPlan,
): Promise<SoakRow[]> {
  const tracker = await startHeadlessTracker(space);
  // The node's folder (files/node90) is made by the peer; --files itself must exist.
  mkdirSync(join(space.dir, 'files'), { recursive: true });
  const view = TmuxSession.start('idle', peerViewArgv(space.dir, tracker, []), {
    cwd: space.dir,
    columns: COLUMNS,
    rows: ROWS,
  });
  try {
    await waitForScreen(view, /bt-tui peer · node \d+/, 'the peer view');
    const { samples } = await soak(view, 'idle peer view', plan);
    return [
      {
        scenario: 'idle peer view',
        window: summarizeWindow(samples, plan.warmUpMs, Number.POSITIVE_INFINITY),
        problem: null,
        steady: true,
        idle: true,
      },
    ];
  } finally {
    await quitView(view, 'q');
  }
}

/** (b) A peer view downloading a large file from one headless seeder, then idle. */
export async function runDownloadScenario(
  space: ScenarioSpace,
  plan: SoakPlan,
): Promise<SoakRow[]> {
  const file = await createSwarmFile(space.dir, plan.downloadMiB);
  const tracker = await startHeadlessTracker(space);
  const seederFolder = join(space.dir, 'files', 'node1');
  mkdirSync(seederFolder, { recursive: true });
  linkOrCopy(file.path, join(seederFolder, file.name));
  space.group.spawn('seeder 1', process.execPath, [
    ...headlessPeerArgv(space.dir, tracker.address, 1),
    '--seed',
    file.name,
  ]);
  await tracker.process.waitForLine(
    new RegExp(`owns node 1 ${escapeRegExp(file.name)} `),
    ownTimeoutMs(file.sizeBytes),
  );
  const label = `peer view, ${plan.downloadMiB} MiB download`;
  const view = TmuxSession.start(
    'download',
    peerViewArgv(space.dir, tracker, ['--download', file.name]),
    {
      cwd: space.dir,
      columns: COLUMNS,
      rows: ROWS,
    },
  );
  const logPath = join(space.dir, 'logs', `node${VIEW_NODE_ID}.log`);
  const done = new RegExp(`\\bdone ${escapeRegExp(file.name)}: `);
  let doneAtMs: number | null = null;
  try {
    await waitForScreen(view, /bt-tui peer · node \d+/, 'the peer view');
    const { samples } = await soak(view, label, plan, (atMs) => {
      if (doneAtMs === null && done.test(readText(logPath))) {
        doneAtMs = atMs;
        console.log(`[${label}] done after ${(atMs / 1000).toFixed(0)} s`);
      }
    });
    const finishedAt = doneAtMs as number | null;
    return [
      {
        scenario: label,
        window: summarizeWindow(samples, 0, finishedAt ?? Number.POSITIVE_INFINITY),
        problem: finishedAt === null ? 'the download did not finish in time' : null,
        steady: false,
        idle: false,
      },
      {
        scenario: 'peer view after the download',
        window:
          finishedAt === null
            ? null
            : summarizeWindow(samples, finishedAt + plan.warmUpMs, Number.POSITIVE_INFINITY),
        problem: null,
        steady: true,
        idle: false,
      },
    ];
  } finally {
    await quitView(view, 'q');
  }
}

/** (c) The tracker view, with a few headless peers heartbeating and seeding a small file each. */
export async function runTrackerScenario(space: ScenarioSpace, plan: SoakPlan): Promise<SoakRow[]> {
  const logsDir = join(space.dir, 'logs');
  const view = TmuxSession.start(
    'tracker',
    [
      process.execPath,
      CLI_PATH,
      'tracker',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--db',
      join(space.dir, 'db'),
      '--logs',
      logsDir,
    ],
    { cwd: space.dir, columns: COLUMNS, rows: ROWS },
  );
  try {
    const port = await waitForLogLine(
      join(logsDir, 'tracker.log'),
      /listening on 127\.0\.0\.1:(\d+)/,
    );
    for (let id = 1; id <= TRACKER_VIEW_PEERS; id++) {
      const folder = join(space.dir, 'files', `node${id}`);
      mkdirSync(folder, { recursive: true });
      await writeRandomFile(join(folder, `small-${id}.bin`), SMALL_FILE_BYTES);
      space.group.spawn(`peer ${id}`, process.execPath, [
        ...headlessPeerArgv(space.dir, `127.0.0.1:${port}`, id),
        '--seed',
        `small-${id}.bin`,
      ]);
    }
    await waitForScreen(
      view,
      new RegExp(`small-${TRACKER_VIEW_PEERS}\\.bin`),
      'the tracker view with its peers',
    );
    const { samples } = await soak(view, 'tracker view', plan);
    return [
      {
        scenario: `tracker view, ${TRACKER_VIEW_PEERS} peers`,
        window: summarizeWindow(samples, plan.warmUpMs, Number.POSITIVE_INFINITY),
        problem: null,
        steady: true,
        idle: false,
      },
    ];
  } finally {
    await quitView(view, 'q');
  }
}

interface HeadlessTracker {
  address: string;
  process: ReturnType<ProcessGroup['spawn']>;
}

async function startHeadlessTracker(space: ScenarioSpace): Promise<HeadlessTracker> {
  const tracker = space.group.spawn('tracker', process.execPath, [
    CLI_PATH,
    'tracker',
    '--headless',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--db',
    join(space.dir, 'db'),
    '--logs',
    join(space.dir, 'logs'),
  ]);
  const listening = await tracker.waitForLine(/listening on 127\.0\.0\.1:(\d+)/, 10_000);
  return { address: `127.0.0.1:${listening[1]}`, process: tracker };
}

function peerViewArgv(dir: string, tracker: HeadlessTracker, extra: string[]): string[] {
  return [
    process.execPath,
    CLI_PATH,
    'peer',
    '--id',
    String(VIEW_NODE_ID),
    '--host',
    '127.0.0.1',
    '--tracker',
    tracker.address,
    '--files',
    join(dir, 'files'),
    '--logs',
    join(dir, 'logs'),
    ...extra,
  ];
}

function headlessPeerArgv(dir: string, trackerAddress: string, id: number): string[] {
  return [
    CLI_PATH,
    'peer',
    '--headless',
    '--id',
    String(id),
    '--host',
    '127.0.0.1',
    '--tracker',
    trackerAddress,
    '--files',
    join(dir, 'files'),
    '--logs',
    join(dir, 'logs'),
  ];
}

/**
 * Samples the view's process every `plan.sampleMs` for `plan.durationMs` from the first sample
 * (time 0); `onSample` sees each sample's time. Stops early if the process goes away.
 */
async function soak(
  view: TmuxSession,
  label: string,
  plan: SoakPlan,
  onSample: (atMs: number) => void = () => {},
): Promise<{ samples: SoakSample[] }> {
  const pid = view.panePid();
  if (pid === null) throw new Error(`${label}: the view's terminal is gone`);
  const samples: SoakSample[] = [];
  const startMs = performance.now();
  let nextProgressMs = PROGRESS_EVERY_MS;
  for (;;) {
    const atMs = performance.now() - startMs;
    const sample = sampleProcess(pid, atMs);
    if (sample === null) throw new Error(`${label}: the view (pid ${pid}) exited`);
    samples.push(sample);
    onSample(atMs);
    if (atMs >= nextProgressMs) {
      nextProgressMs += PROGRESS_EVERY_MS;
      const cpu = summarizeWindow(samples, atMs - PROGRESS_EVERY_MS, atMs)?.cpuPercent;
      console.log(
        `[${label}] ${(atMs / 60_000).toFixed(1)} min: RSS ${(sample.rssBytes / MiB).toFixed(1)} MiB, CPU ${cpu?.toFixed(2) ?? '-'} % over the last minute`,
      );
    }
    if (atMs >= plan.durationMs) break;
    const nextSampleMs = Math.min(samples.length * plan.sampleMs, plan.durationMs);
    await sleep(Math.max(1, nextSampleMs - (performance.now() - startMs)));
  }
  if (plan.samplesDir !== null) writeSamples(join(plan.samplesDir, `${view.name}.csv`), samples);
  return { samples };
}

function writeSamples(path: string, samples: readonly SoakSample[]): void {
  const rows = samples.map(
    (sample) =>
      `${(sample.atMs / 1000).toFixed(1)},${(sample.rssBytes / MiB).toFixed(2)},${sample.cpuSeconds.toFixed(2)}`,
  );
  writeFileSync(path, `seconds,rss_mib,cpu_seconds\n${rows.join('\n')}\n`);
}

/** Waits until the view's screen matches `pattern` (its first frame); throws if it exits. */
export async function waitForScreen(
  view: TmuxSession,
  pattern: RegExp,
  what: string,
): Promise<void> {
  const deadline = performance.now() + FIRST_FRAME_TIMEOUT_MS;
  for (;;) {
    const screen = view.capture();
    if (pattern.test(screen)) return;
    if (view.exited()) throw new Error(`${view.name}: the view exited; screen:\n${screen}`);
    if (performance.now() > deadline)
      throw new Error(
        `${view.name}: no ${what} within ${FIRST_FRAME_TIMEOUT_MS} ms; screen:\n${screen}`,
      );
    await sleep(200);
  }
}

/** The first group of `pattern`'s first match in the file at `path`, once it is there. */
export async function waitForLogLine(path: string, pattern: RegExp): Promise<string> {
  const deadline = performance.now() + FIRST_FRAME_TIMEOUT_MS;
  for (;;) {
    const match = pattern.exec(readText(path));
    if (match?.[1] !== undefined) return match[1];
    if (performance.now() > deadline) throw new Error(`no line ${pattern} in ${path}`);
    await sleep(100);
  }
}

/** Quits the view with its key (it says EXIT to the tracker), then ends its tmux server. */
export async function quitView(view: TmuxSession, key: string): Promise<void> {
  const pid = view.panePid();
  view.sendKey(key);
  const deadline = performance.now() + QUIT_TIMEOUT_MS;
  while (pid !== null && sampleProcess(pid, 0) !== null && performance.now() < deadline)
    await sleep(100);
  view.close();
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * CPU of idle nodes (issue 15: under 1 % of a core over a minute, headless or full screen): a
 * headless tracker, a headless peer, a full-screen peer view and a full-screen tracker view with
 * two headless peers of its own (the views: the real binary in a private tmux terminal, 120x40),
 * all registered and doing nothing, measured over the same window.
 *
 *   node --import tsx bench/idle.ts [--seconds 60] [--settle-sec 10] [--cli PATH/dist/cli.js]
 *
 * CPU is utime + stime of each process from /proc/PID/stat at the window's start and end.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { positiveNumber } from './lib/args.ts';
import { CLI_PATH, ensureFreshBuild } from './lib/build.ts';
import { printMachine, readCpuSeconds } from './lib/proc-stats.ts';
import { fixed, formatTable } from './lib/table.ts';
import { TmuxSession, tmuxAvailable } from './lib/tmux-session.ts';
import { quitView, waitForLogLine, waitForScreen } from './lib/view-soak-scenarios.ts';
import { withWorkspace } from './lib/workspace.ts';

/** Issue 15's target for a node with nothing to do. */
const MAX_IDLE_CPU_PERCENT = 1;
const HEADLESS_PEER_ID = 91;
const VIEW_PEER_ID = 90;
/** The tracker view's own peers: what its nodes table shows, heartbeating. */
const TRACKER_VIEW_PEER_IDS = [92, 93];
const JOIN_TIMEOUT_MS = 90_000;

const USAGE = 'flags: --seconds N (60) --settle-sec N (10) --cli PATH';

const { values, windowSeconds, settleSeconds } = (() => {
  try {
    const { values } = parseArgs({
      options: {
        seconds: { type: 'string', default: '60' },
        'settle-sec': { type: 'string', default: '10' },
        cli: { type: 'string' },
      },
    });
    const settleSeconds = Number(values['settle-sec']);
    if (!(settleSeconds >= 0))
      throw new Error(`--settle-sec must be 0 or more (got "${values['settle-sec']}")`);
    return { values, windowSeconds: positiveNumber('--seconds', values.seconds), settleSeconds };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
})();
if (values.cli === undefined) ensureFreshBuild();
const cliPath = values.cli ?? CLI_PATH;
printMachine();
console.log(
  `idle nodes on 127.0.0.1, CPU over ${windowSeconds} s after ${settleSeconds} s to settle; CLI ${cliPath}`,
);

/** A process to measure, by pid. */
interface Watched {
  label: string;
  pid: number;
}

process.exitCode = await withWorkspace('bt-bench-idle', async ({ dir, group }) => {
  mkdirSync(join(dir, 'files'), { recursive: true });
  const common = ['--files', join(dir, 'files'), '--logs', join(dir, 'logs')];
  const tracker = group.spawn('tracker', process.execPath, [
    ...[cliPath, 'tracker', '--headless', '--host', '127.0.0.1', '--port', '0'],
    ...['--db', join(dir, 'db'), '--logs', join(dir, 'logs')],
  ]);
  const port = (await tracker.waitForLine(/listening on 127\.0\.0\.1:(\d+)/, JOIN_TIMEOUT_MS))[1];
  const peerArgs = (id: number) => [
    ...[cliPath, 'peer', '--id', String(id), '--host', '127.0.0.1'],
    ...['--tracker', `127.0.0.1:${port}`, ...common],
  ];
  const headless = group.spawn('headless peer', process.execPath, [
    ...peerArgs(HEADLESS_PEER_ID),
    '--headless',
  ]);
  const watched: Watched[] = [
    { label: 'tracker, headless (2 idle peers)', pid: tracker.pid },
    { label: 'peer, headless', pid: headless.pid },
  ];
  const terminal = { cwd: dir, columns: 120, rows: 40 };
  const view = tmuxAvailable()
    ? TmuxSession.start('idle-view', [process.execPath, ...peerArgs(VIEW_PEER_ID)], terminal)
    : null;
  const trackerLogs = join(dir, 'tracker-view-logs');
  const trackerView = tmuxAvailable()
    ? TmuxSession.start(
        'idle-tracker-view',
        [
          ...[process.execPath, cliPath, 'tracker', '--host', '127.0.0.1', '--port', '0'],
          ...['--db', join(dir, 'tracker-view-db'), '--logs', trackerLogs],
        ],
        terminal,
      )
    : null;
  try {
    const joined = (id: number) =>
      tracker.waitForLine(new RegExp(`joined node ${id} `), JOIN_TIMEOUT_MS);
    await joined(HEADLESS_PEER_ID);
    if (view) {
      await waitForScreen(view, /bt-tui peer · node \d+/, 'the peer view');
      await joined(VIEW_PEER_ID);
      const pid = view.panePid();
      if (pid !== null) watched.push({ label: 'peer, full-screen view (tmux 120x40)', pid });
    } else {
      console.log('no tmux: the full-screen views are not measured');
    }
    if (trackerView) {
      const viewPort = await waitForLogLine(
        join(trackerLogs, 'tracker.log'),
        /listening on 127\.0\.0\.1:(\d+)/,
      );
      for (const id of TRACKER_VIEW_PEER_IDS) {
        group.spawn(`peer ${id}`, process.execPath, [
          ...[cliPath, 'peer', '--id', String(id), '--host', '127.0.0.1', '--headless'],
          ...['--tracker', `127.0.0.1:${viewPort}`, ...common],
        ]);
      }
      const alive = new RegExp(`nodes ${TRACKER_VIEW_PEER_IDS.length} alive`);
      await waitForScreen(trackerView, alive, 'the tracker view with its peers');
      const pid = trackerView.panePid();
      if (pid !== null)
        watched.push({ label: 'tracker, full-screen view (tmux 120x40, 2 idle peers)', pid });
    }
    await sleep(settleSeconds * 1000);
    const before = watched.map((node) => readCpuSeconds(node.pid));
    const startMs = performance.now();
    await sleep(windowSeconds * 1000);
    const after = watched.map((node) => readCpuSeconds(node.pid));
    const spanSeconds = (performance.now() - startMs) / 1000;
    const rows = watched.map((node, index) => {
      const [from, to] = [before[index], after[index]];
      const cpu = from == null || to == null ? null : to - from;
      const percent = cpu === null ? null : (cpu / spanSeconds) * 100;
      const verdict =
        percent === null ? 'gone' : percent < MAX_IDLE_CPU_PERCENT ? 'meets' : 'MISSES';
      return [node.label, fixed(spanSeconds, 1), fixed(cpu, 2), fixed(percent, 2), verdict];
    });
    console.log('');
    console.log(
      formatTable(
        ['process', 'window s', 'CPU s', '% of a core', `target < ${MAX_IDLE_CPU_PERCENT} %`],
        rows,
      ),
    );
    return rows.every((row) => row[4] !== 'gone') ? 0 : 1;
  } finally {
    if (view) await quitView(view, 'q');
    if (trackerView) await quitView(trackerView, 'q');
  }
});

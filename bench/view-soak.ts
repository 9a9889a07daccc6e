/**
 * Full-screen views left open for a long time: the real binary (dist/cli.js) in a private tmux
 * terminal, its RSS (VmRSS) and CPU (utime + stime) read from /proc every few seconds, for
 *   idle      a peer view with nothing to do,
 *   download  a peer view downloading a large file from a headless seeder, then idle,
 *   tracker   the tracker view with a few headless peers heartbeating.
 * The scenarios run at the same time (CPU is each process's own; the download loads the machine
 * while it runs). Growth is the least-squares slope after the warm-up.
 *
 *   node --import tsx bench/view-soak.ts [--minutes 10] [--warm-up-sec 180] [--sample-sec 5]
 *     [--scenarios idle,download,tracker] [--download-mib 1024] [--samples DIR]
 *
 * --samples writes every sample of each view to DIR/<view>.csv, to plot or re-fit.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { positiveNumber } from './lib/args.ts';
import { ensureFreshBuild } from './lib/build.ts';
import { MiB } from './lib/files.ts';
import { busyMachineWarning, describeMachine } from './lib/proc-stats.ts';
import type { SoakWindow } from './lib/soak-samples.ts';
import { fixed, formatTable, mebibytes } from './lib/table.ts';
import { tmuxAvailable } from './lib/tmux-session.ts';
import {
  runDownloadScenario,
  runIdlePeerScenario,
  runTrackerScenario,
  type SoakPlan,
  type SoakRow,
} from './lib/view-soak-scenarios.ts';
import { withWorkspace } from './lib/workspace.ts';

/** The targets for a view left open: memory flat after warm-up, idle CPU negligible. */
const MAX_GROWTH_BYTES_PER_HOUR = 10 * MiB;
const MAX_IDLE_CPU_PERCENT = 1;

const SCENARIOS = ['idle', 'download', 'tracker'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

const USAGE =
  'flags: --minutes N (10) --warm-up-sec N (180) --sample-sec N (5) --scenarios idle,download,tracker --download-mib N (1024) --samples DIR';

function parseFlags(argv: string[]): SoakPlan & { scenarios: ScenarioName[] } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        minutes: { type: 'string', default: '10' },
        // V8 is still sizing its heap in the first minutes (RSS dipped by 20 MiB at minute 2 and
        // was back by minute 3): a shorter warm-up puts that swing into the growth figure.
        'warm-up-sec': { type: 'string', default: '180' },
        'sample-sec': { type: 'string', default: '5' },
        scenarios: { type: 'string', default: SCENARIOS.join(',') },
        'download-mib': { type: 'string', default: '1024' },
        samples: { type: 'string' },
      },
    });
    const scenarios = values.scenarios.split(',').map((name) => {
      if (!(SCENARIOS as readonly string[]).includes(name))
        throw new Error(`unknown scenario "${name}"`);
      return name as ScenarioName;
    });
    const plan = {
      durationMs: positiveNumber('--minutes', values.minutes) * 60_000,
      warmUpMs: positiveNumber('--warm-up-sec', values['warm-up-sec']) * 1_000,
      sampleMs: positiveNumber('--sample-sec', values['sample-sec']) * 1_000,
      downloadMiB: positiveNumber('--download-mib', values['download-mib']),
      samplesDir: values.samples ?? null,
      scenarios,
    };
    if (plan.warmUpMs >= plan.durationMs) throw new Error('--warm-up-sec must be under --minutes');
    return plan;
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

const plan = parseFlags(process.argv.slice(2));
if (plan.samplesDir !== null) mkdirSync(plan.samplesDir, { recursive: true });
if (!tmuxAvailable()) {
  console.error('view-soak needs tmux (`tmux -V` failed)');
  process.exit(2);
}
ensureFreshBuild();
console.log(describeMachine());
const busy = busyMachineWarning();
if (busy) console.log(busy);
console.log(
  `scenarios: ${plan.scenarios.join(', ')} at once, ${plan.durationMs / 60_000} min each, warm-up ${plan.warmUpMs / 1000} s, a sample every ${plan.sampleMs / 1000} s, terminal 120x40 (tmux), 127.0.0.1`,
);

const RUNNERS: Record<ScenarioName, typeof runIdlePeerScenario> = {
  idle: runIdlePeerScenario,
  download: runDownloadScenario,
  tracker: runTrackerScenario,
};

process.exitCode = await withWorkspace('bt-view-soak', async (workspace) => {
  // One scenario failing (a view that crashed) must not cut the others short.
  const results = await Promise.all(
    plan.scenarios.map((name) => {
      const dir = join(workspace.dir, name);
      mkdirSync(dir);
      return RUNNERS[name]({ dir, group: workspace.group }, plan).catch((error: unknown) => [
        failedRow(name, error),
      ]);
    }),
  );
  const rows = results.flat();
  console.log(
    `\nload average at the end (1, 5, 15 min): ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    formatTable(
      [
        'scenario',
        'minutes',
        'RSS after warm-up MiB',
        'RSS at end MiB',
        'peak MiB',
        'growth MiB/h',
        'CPU % of a core',
      ],
      rows.map(tableRow),
    ),
  );
  const notes = rows.flatMap(verdicts);
  for (const note of notes) console.log(note);
  return rows.some((row) => row.window === null || row.problem !== null) ? 1 : 0;
});

function failedRow(name: ScenarioName, error: unknown): SoakRow {
  const problem = `failed: ${error instanceof Error ? error.message : String(error)}`;
  return { scenario: name, window: null, problem, steady: false, idle: false };
}

function tableRow(row: SoakRow): string[] {
  const window: SoakWindow | null = row.window;
  return [
    row.scenario,
    fixed(window?.minutes ?? null),
    mebibytes(window?.rssStartBytes ?? null),
    mebibytes(window?.rssEndBytes ?? null),
    mebibytes(window?.rssPeakBytes ?? null),
    window === null ? '-' : (window.growthBytesPerHour / MiB).toFixed(1),
    fixed(window?.cpuPercent ?? null, 2),
  ];
}

/** Problems and target checks for one row, as lines. */
function verdicts(row: SoakRow): string[] {
  const lines = row.problem === null ? [] : [`${row.scenario}: ${row.problem}`];
  const window = row.window;
  if (window === null) return [...lines, `${row.scenario}: too few samples to judge`];
  if (row.steady) {
    const growthOk = window.growthBytesPerHour < MAX_GROWTH_BYTES_PER_HOUR;
    lines.push(
      `${row.scenario}: growth ${(window.growthBytesPerHour / MiB).toFixed(1)} MiB/h ${growthOk ? 'meets' : 'MISSES'} the target (< ${MAX_GROWTH_BYTES_PER_HOUR / MiB} MiB/h)`,
    );
  }
  if (row.idle) {
    const cpuOk = window.cpuPercent < MAX_IDLE_CPU_PERCENT;
    lines.push(
      `${row.scenario}: CPU ${window.cpuPercent.toFixed(2)} % ${cpuOk ? 'meets' : 'MISSES'} the target (< ${MAX_IDLE_CPU_PERCENT} % of a core)`,
    );
  }
  return lines;
}

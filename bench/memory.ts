/**
 * Leecher memory against file size: the swarm bench for 64, 256 and 1024 MiB (and 4096 MiB
 * with --big, if the temp file system has room), to show whether RSS stays flat.
 *
 *   node --import tsx bench/memory.ts [--big] [--seeders 3] [--runs 1] [--block-size 16384]
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliToRun, parseSwarmFlags } from './lib/args.ts';
import { availableBytes, createSwarmFile, MiB } from './lib/files.ts';
import { busyMachineWarning, describeMachine } from './lib/proc-stats.ts';
import { summarize, warnings } from './lib/report.ts';
import { measureOurSwarm } from './lib/run-ours.ts';
import { fixed, formatTable, mebibytes } from './lib/table.ts';
import { withWorkspace } from './lib/workspace.ts';

const SIZES_MIB = [64, 256, 1024];
const BIG_SIZE_MIB = 4096;
/** The budget: a 4 GiB download uses at most this much RSS beyond an idle peer. */
const BUDGET_BEYOND_IDLE_BYTES = 40 * MiB;
/** Room kept free on top of the source file and the leecher's copy. */
const SPARE_BYTES = 512 * MiB;

const flags = parseSwarmFlags(process.argv.slice(2), 1);
const cliPath = cliToRun(flags);
console.log(describeMachine());
const busy = busyMachineWarning();
if (busy) console.log(busy);
console.log(
  `scenario: ${flags.seeders} seeders -> 1 leecher per size, block ${flags.blockSizeBytes} B, ${flags.runs} run(s) per size, 127.0.0.1`,
);

const headers = [
  'size MiB',
  'ok runs',
  'MiB/s (wall)',
  'MiB/s (engine)',
  'idle peak MiB',
  'leecher peak MiB',
  'beyond idle MiB',
  'CPU s',
  'RcvbufErrors +',
  'leecher drops',
];

process.exitCode = await withWorkspace('bt-bench-memory', async (workspace) => {
  const sizes = flags.big ? [...SIZES_MIB, BIG_SIZE_MIB] : SIZES_MIB;
  const rows: string[][] = [];
  const beyondIdle: { sizeMiB: number; bytes: number }[] = [];
  const notes: string[] = [];
  let allOk = true;
  for (const sizeMiB of sizes) {
    // The source file (hard-linked into the seeders) plus the leecher's copy.
    const neededBytes = 2 * sizeMiB * MiB + SPARE_BYTES;
    if (availableBytes(tmpdir()) < neededBytes) {
      notes.push(
        `skipped ${sizeMiB} MiB: ${tmpdir()} has less than ${mebibytes(neededBytes)} MiB free`,
      );
      continue;
    }
    const dir = join(workspace.dir, `${sizeMiB}MiB`);
    mkdirSync(dir);
    const file = await createSwarmFile(dir, sizeMiB);
    const { idle, results } = await measureOurSwarm({ dir, group: workspace.group }, file, {
      ...flags,
      cliPath,
      label: `${sizeMiB} MiB`,
    });
    rmSync(dir, { recursive: true, force: true });
    const summary = summarize(results);
    allOk &&= summary.okRuns === summary.totalRuns;
    notes.push(...warnings(`${sizeMiB} MiB`, results));
    const beyond =
      summary.peakRssBytes === null || idle.peakRssBytes === null
        ? null
        : summary.peakRssBytes - idle.peakRssBytes;
    if (beyond !== null) beyondIdle.push({ sizeMiB, bytes: beyond });
    rows.push([
      String(sizeMiB),
      `${summary.okRuns}/${summary.totalRuns}`,
      fixed(summary.wallMiBps),
      fixed(summary.engineMiBps),
      mebibytes(idle.peakRssBytes),
      mebibytes(summary.peakRssBytes),
      mebibytes(beyond),
      fixed(summary.cpuSeconds, 2),
      summary.rcvbufErrors === null ? '-' : String(summary.rcvbufErrors),
      summary.socketDrops === null ? '-' : String(summary.socketDrops),
    ]);
  }
  console.log('');
  console.log(formatTable(headers, rows));
  console.log(verdict(beyondIdle));
  for (const note of notes) console.log(note);
  return allOk ? 0 : 1;
});

/** Whether peak RSS beyond an idle peer grew with file size, and against the 40 MiB budget. */
function verdict(points: { sizeMiB: number; bytes: number }[]): string {
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last || first === last) return 'not enough sizes measured to judge growth';
  const growth = last.bytes - first.bytes;
  const perGiB = (growth / ((last.sizeMiB - first.sizeMiB) / 1024) / MiB).toFixed(1);
  const budget = last.bytes <= BUDGET_BEYOND_IDLE_BYTES ? 'within' : 'OVER';
  return `beyond-idle peak grew ${mebibytes(growth)} MiB from ${first.sizeMiB} to ${last.sizeMiB} MiB (${perGiB} MiB per GiB of file); at ${last.sizeMiB} MiB it is ${budget} the issue's 40 MiB budget (set for 4 GiB)`;
}

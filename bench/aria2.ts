/**
 * bt-tui against aria2c in one run: the swarm bench's scenario twice, once with our CLI
 * (tracker + seeders + leecher), once with aria2c seeders and leecher around opentracker, and
 * the machine's floor first (issue 15: CPU per byte of both against it).
 *
 *   node --import tsx bench/aria2.ts --size 256 [--seeders 3] [--runs 3] [--block-size 16384]
 *                                    [--contention] [--cli PATH/dist/cli.js]
 *
 * Installs aria2, opentracker and mktorrent with apt-get when missing (as root).
 */
import { cliToRun, parseSwarmFlags } from './lib/args.ts';
import { ARIA2_LEECHER_FLAGS } from './lib/aria2-swarm.ts';
import { describeContention, describeCpuPerByte } from './lib/cpu-report.ts';
import { createSwarmFile } from './lib/files.ts';
import { printFloorFor } from './lib/floor.ts';
import { busyMachineWarning, describeMachine } from './lib/proc-stats.ts';
import {
  describeIdle,
  type RunSummary,
  SUMMARY_HEADERS,
  summarize,
  summaryRow,
  warnings,
} from './lib/report.ts';
import { measureAria2Swarm } from './lib/run-aria2.ts';
import { measureOurSwarm } from './lib/run-ours.ts';
import { fixed, formatTable } from './lib/table.ts';
import { describeAria2Tools, ensureAria2Tools } from './lib/tools.ts';
import { withWorkspace } from './lib/workspace.ts';

/** The target: at least this many times aria2c's rate, in the same run. */
const TARGET_RATIO = 5;

const flags = parseSwarmFlags(process.argv.slice(2));
ensureAria2Tools();
const cliPath = cliToRun(flags);
console.log(describeMachine());
const busy = busyMachineWarning();
if (busy) console.log(busy);
console.log(
  `compared with: ${describeAria2Tools()}; leecher flags ${ARIA2_LEECHER_FLAGS.join(' ')}`,
);
console.log(
  `scenario: ${flags.sizeMiB} MiB of random bytes, ${flags.seeders} seeders -> 1 leecher, ${flags.runs} runs each${flags.contention ? ', then as many with a CPU hog on one core' : ''}, 127.0.0.1 (bt-tui: UDP, block ${flags.blockSizeBytes} B; aria2c: TCP); CLI ${cliPath}`,
);

process.exitCode = await withWorkspace('bt-bench-aria2', async (workspace) => {
  const file = await createSwarmFile(workspace.dir, flags.sizeMiB);
  const floor = await printFloorFor(workspace, file, flags.blockSizeBytes);
  const ours = await measureOurSwarm(workspace, file, { ...flags, cliPath, label: 'bt-tui' });
  const aria2 = await measureAria2Swarm(workspace, file, flags);

  const oursSummary = summarize(ours.results);
  const aria2Summary = summarize(aria2.results);
  const rows = [
    summaryRow('bt-tui', oursSummary),
    summaryRow('aria2c + opentracker', aria2Summary),
  ];
  if (flags.contention) {
    rows.push(summaryRow('bt-tui + CPU hog', summarize(ours.hogged)));
    rows.push(summaryRow('aria2c + CPU hog', summarize(aria2.hogged)));
  }
  console.log('');
  console.log(formatTable(SUMMARY_HEADERS, rows));
  console.log(
    `bt-tui / aria2c: ${ratio(oursSummary, aria2Summary, 'wallMiBps')}x by wall time, ${ratio(oursSummary, aria2Summary, 'engineMiBps')}x by the clients' own figures (target: >= ${TARGET_RATIO}x)`,
  );
  console.log(describeIdle(ours.idle, oursSummary.peakRssBytes));
  console.log(`(medians of the ok runs; peak RSS and CPU by ${ours.results[0]?.measured.method})`);
  const cpuLines = [
    ...describeCpuPerByte('bt-tui', ours.results, {
      startupCpu: ours.idle.cpuSeconds,
      fileBytes: file.sizeBytes,
      floor,
      seedersIdlePercent: ours.seedersIdlePercent,
    }),
    ...describeCpuPerByte('aria2c', aria2.results, {
      startupCpu: aria2.startupCpuSeconds,
      fileBytes: file.sizeBytes,
      floor,
      seedersIdlePercent: aria2.seedersIdlePercent,
    }),
  ];
  if (flags.contention) {
    cpuLines.push(describeContention('bt-tui', oursSummary, summarize(ours.hogged)));
    cpuLines.push(describeContention('aria2c', aria2Summary, summarize(aria2.hogged)));
  }
  const problems = [
    ...warnings('bt-tui', ours.results),
    ...warnings('aria2c', aria2.results),
    ...warnings('bt-tui + CPU hog', ours.hogged),
    ...warnings('aria2c + CPU hog', aria2.hogged),
  ];
  for (const line of [...cpuLines, ...problems]) console.log(line);
  const all = [...ours.results, ...ours.hogged, ...aria2.results, ...aria2.hogged];
  return all.every((result) => result.problem === null) ? 0 : 1;
});

function ratio(ours: RunSummary, theirs: RunSummary, key: 'wallMiBps' | 'engineMiBps'): string {
  const [a, b] = [ours[key], theirs[key]];
  return a === null || b === null || b === 0 ? '-' : fixed(a / b, 2);
}

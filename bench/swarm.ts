/**
 * bt-tui swarm bench: tracker + N seeders + 1 leecher, real CLI processes on 127.0.0.1.
 *
 *   node --import tsx bench/swarm.ts --size 256 [--seeders 3] [--runs 3] [--block-size 16384]
 *
 * Prints one line per leecher run and a table of medians. Figures, not a test: see README.md.
 */
import { parseSwarmFlags } from './lib/args.ts';
import { ensureFreshBuild } from './lib/build.ts';
import { createSwarmFile } from './lib/files.ts';
import { busyMachineWarning, describeMachine } from './lib/proc-stats.ts';
import { describeIdle, SUMMARY_HEADERS, summarize, summaryRow, warnings } from './lib/report.ts';
import { measureOurSwarm } from './lib/run-ours.ts';
import { formatTable } from './lib/table.ts';
import { withWorkspace } from './lib/workspace.ts';

const flags = parseSwarmFlags(process.argv.slice(2));
ensureFreshBuild();
console.log(describeMachine());
const busy = busyMachineWarning();
if (busy) console.log(busy);
console.log(
  `scenario: ${flags.sizeMiB} MiB of random bytes, ${flags.seeders} seeders -> 1 leecher, block ${flags.blockSizeBytes} B, ${flags.runs} runs, 127.0.0.1`,
);

process.exitCode = await withWorkspace('bt-bench-swarm', async (workspace) => {
  const file = await createSwarmFile(workspace.dir, flags.sizeMiB);
  const { idle, results } = await measureOurSwarm(workspace, file, {
    ...flags,
    label: 'bt-tui',
  });
  const summary = summarize(results);
  console.log('');
  console.log(formatTable(SUMMARY_HEADERS, [summaryRow('bt-tui', summary)]));
  console.log(describeIdle(idle, summary.peakRssBytes));
  console.log(`(medians of the ok runs; peak RSS and CPU by ${results[0]?.measured.method})`);
  for (const line of warnings('bt-tui', results)) console.log(line);
  return summary.okRuns === summary.totalRuns ? 0 : 1;
});

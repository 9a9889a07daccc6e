/**
 * bt-tui swarm bench: tracker + N seeders + 1 leecher, real CLI processes on 127.0.0.1, and the
 * machine's floor measured in the same run (issue 15: CPU per byte against the floor).
 *
 *   node --import tsx bench/swarm.ts --size 256 [--seeders 3] [--runs 3] [--block-size 16384]
 *                                    [--contention] [--cli PATH/dist/cli.js] [--host ::1]
 *
 * Prints one line per leecher run and a table of medians. Figures, not a test: see README.md.
 */
import { cliToRun, parseSwarmFlags } from './lib/args.ts';
import { describeContention, describeCpuPerByte } from './lib/cpu-report.ts';
import { createSwarmFile } from './lib/files.ts';
import { printFloorFor } from './lib/floor.ts';
import { busyMachineWarning, describeMachine } from './lib/proc-stats.ts';
import { describeIdle, SUMMARY_HEADERS, summarize, summaryRow, warnings } from './lib/report.ts';
import { measureOurSwarm } from './lib/run-ours.ts';
import { formatTable } from './lib/table.ts';
import { withWorkspace } from './lib/workspace.ts';

const flags = parseSwarmFlags(process.argv.slice(2));
const cliPath = cliToRun(flags);
console.log(describeMachine());
const busy = busyMachineWarning();
if (busy) console.log(busy);
console.log(
  `scenario: ${flags.sizeMiB} MiB of random bytes, ${flags.seeders} seeders -> 1 leecher, block ${flags.blockSizeBytes} B, ${flags.runs} runs${flags.contention ? ' quiet, then as many with a CPU hog on one core' : ''}, ${flags.host}; CLI ${cliPath}`,
);

process.exitCode = await withWorkspace('bt-bench-swarm', async (workspace) => {
  const file = await createSwarmFile(workspace.dir, flags.sizeMiB);
  const floor = await printFloorFor(workspace, file, flags.blockSizeBytes);
  const { idle, seedersIdlePercent, results, hogged } = await measureOurSwarm(workspace, file, {
    ...flags,
    cliPath,
    label: 'bt-tui',
  });
  const summary = summarize(results);
  const rows = [summaryRow('bt-tui', summary)];
  if (hogged.length > 0) rows.push(summaryRow('bt-tui + CPU hog', summarize(hogged)));
  console.log('');
  console.log(formatTable(SUMMARY_HEADERS, rows));
  console.log(describeIdle(idle, summary.peakRssBytes));
  console.log(`(medians of the ok runs; peak RSS and CPU by ${results[0]?.measured.method})`);
  const context = {
    startupCpu: idle.cpuSeconds,
    fileBytes: file.sizeBytes,
    floor,
    seedersIdlePercent,
  };
  for (const line of describeCpuPerByte('bt-tui', results, context)) console.log(line);
  if (hogged.length > 0) console.log(describeContention('bt-tui', summary, summarize(hogged)));
  for (const line of [...warnings('bt-tui', results), ...warnings('bt-tui + CPU hog', hogged)])
    console.log(line);
  const all = [...results, ...hogged];
  return all.every((result) => result.problem === null) ? 0 : 1;
});

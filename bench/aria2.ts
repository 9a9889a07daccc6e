/**
 * bt-tui against aria2c in one run: the swarm bench's scenario twice, once with our CLI
 * (tracker + seeders + leecher), once with aria2c seeders and leecher around opentracker.
 *
 *   node --import tsx bench/aria2.ts --size 256 [--seeders 3] [--runs 3] [--block-size 16384]
 *
 * Installs aria2, opentracker and mktorrent with apt-get when missing (as root).
 */
import { parseSwarmFlags } from './lib/args.ts';
import { ARIA2_LEECHER_FLAGS, Aria2Swarm } from './lib/aria2-swarm.ts';
import { ensureFreshBuild } from './lib/build.ts';
import { createSwarmFile } from './lib/files.ts';
import type { LeecherResult } from './lib/leecher-result.ts';
import { busyMachineWarning, describeMachine } from './lib/proc-stats.ts';
import {
  describeIdle,
  describeRun,
  type RunSummary,
  SUMMARY_HEADERS,
  summarize,
  summaryRow,
  warnings,
} from './lib/report.ts';
import { measureOurSwarm } from './lib/run-ours.ts';
import { fixed, formatTable } from './lib/table.ts';
import { describeAria2Tools, ensureAria2Tools } from './lib/tools.ts';
import { withWorkspace } from './lib/workspace.ts';

/** The target: at least this many times aria2c's rate, in the same run. */
const TARGET_RATIO = 5;

const flags = parseSwarmFlags(process.argv.slice(2));
ensureAria2Tools();
ensureFreshBuild();
console.log(describeMachine());
const busy = busyMachineWarning();
if (busy) console.log(busy);
console.log(
  `compared with: ${describeAria2Tools()}; leecher flags ${ARIA2_LEECHER_FLAGS.join(' ')}`,
);
console.log(
  `scenario: ${flags.sizeMiB} MiB of random bytes, ${flags.seeders} seeders -> 1 leecher, ${flags.runs} runs each, 127.0.0.1 (bt-tui: UDP, block ${flags.blockSizeBytes} B; aria2c: TCP)`,
);

process.exitCode = await withWorkspace('bt-bench-aria2', async (workspace) => {
  const file = await createSwarmFile(workspace.dir, flags.sizeMiB);
  const ours = await measureOurSwarm(workspace, file, { ...flags, label: 'bt-tui' });

  const aria2Results: LeecherResult[] = [];
  const aria2 = await Aria2Swarm.start(workspace, file, flags.seeders);
  try {
    console.log(`  aria2c: opentracker + ${flags.seeders} seeders announced`);
    for (let run = 0; run < flags.runs; run++) {
      const result = await aria2.runLeecher(run);
      console.log(describeRun('aria2c', run, result));
      aria2Results.push(result);
    }
  } finally {
    await aria2.stop();
  }

  const oursSummary = summarize(ours.results);
  const aria2Summary = summarize(aria2Results);
  console.log('');
  console.log(
    formatTable(SUMMARY_HEADERS, [
      summaryRow('bt-tui', oursSummary),
      summaryRow('aria2c + opentracker', aria2Summary),
    ]),
  );
  console.log(
    `bt-tui / aria2c: ${ratio(oursSummary, aria2Summary, 'wallMiBps')}x by wall time, ${ratio(oursSummary, aria2Summary, 'engineMiBps')}x by the clients' own figures (target: >= ${TARGET_RATIO}x)`,
  );
  console.log(describeIdle(ours.idle, oursSummary.peakRssBytes));
  console.log(`(medians of the ok runs; peak RSS and CPU by ${ours.results[0]?.measured.method})`);
  for (const line of [...warnings('bt-tui', ours.results), ...warnings('aria2c', aria2Results)]) {
    console.log(line);
  }
  const allOk =
    oursSummary.okRuns === oursSummary.totalRuns && aria2Summary.okRuns === aria2Summary.totalRuns;
  return allOk ? 0 : 1;
});

function ratio(ours: RunSummary, theirs: RunSummary, key: 'wallMiBps' | 'engineMiBps'): string {
  const [a, b] = [ours[key], theirs[key]];
  return a === null || b === null || b === 0 ? '-' : fixed(a / b, 2);
}

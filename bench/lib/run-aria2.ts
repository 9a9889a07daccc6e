import { Aria2Swarm } from './aria2-swarm.ts';
import type { SwarmFile } from './files.ts';
import type { LeecherResult } from './leecher-result.ts';
import { runLeecherSeries } from './leecher-series.ts';
import { measureSeedersIdlePercent } from './serving-cost.ts';
import type { Workspace } from './workspace.ts';

/** Everything measured on one aria2c + opentracker swarm. */
export interface Aria2Measurements {
  /** CPU of an idle aria2c once settled: its start-up cost. */
  startupCpuSeconds: number | null;
  /** Each seeder's CPU with no leecher running, % of a core. */
  seedersIdlePercent: (number | null)[];
  results: LeecherResult[];
  /** The same runs with a CPU hog on one core (empty unless asked for). */
  hogged: LeecherResult[];
}

/**
 * Starts opentracker and aria2c seeders for `file`, measures an idle aria2c, runs `runs`
 * leechers one after another (a line per run), as many again with a CPU hog if `contention`,
 * and stops the swarm whatever happens.
 */
export async function measureAria2Swarm(
  workspace: Workspace,
  file: SwarmFile,
  options: { seeders: number; runs: number; contention: boolean },
): Promise<Aria2Measurements> {
  const swarm = await Aria2Swarm.start(workspace, file, options.seeders);
  try {
    console.log(`  aria2c: opentracker + ${options.seeders} seeders announced`);
    const startupCpuSeconds = await swarm.measureIdleCpu();
    const seedersIdlePercent = await measureSeedersIdlePercent(swarm.seederProcesses());
    const { results, hogged } = await runLeecherSeries(
      workspace.group,
      { label: 'aria2c', ...options, startupCpuSeconds, fileBytes: file.sizeBytes },
      (run) => swarm.runLeecher(run),
    );
    return { startupCpuSeconds, seedersIdlePercent, results, hogged };
  } finally {
    await swarm.stop();
  }
}

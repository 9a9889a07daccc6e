import type { SwarmFile } from './files.ts';
import type { LeecherResult } from './leecher-result.ts';
import { type IdlePeerMemory, OurSwarm } from './our-swarm.ts';
import { describeRun } from './report.ts';
import type { Workspace } from './workspace.ts';

/** Everything measured on one bt-tui swarm. */
export interface OurMeasurements {
  idle: IdlePeerMemory;
  results: LeecherResult[];
}

/**
 * Starts a bt-tui swarm for `file`, measures an idle peer, then runs `runs` leechers one
 * after another (printing a line per run), and stops the swarm whatever happens.
 */
export async function measureOurSwarm(
  workspace: Workspace,
  file: SwarmFile,
  options: { seeders: number; runs: number; blockSizeBytes: number; label: string },
): Promise<OurMeasurements> {
  const startedMs = performance.now();
  const swarm = await OurSwarm.start({
    workspace,
    file,
    seeders: options.seeders,
    blockSizeBytes: options.blockSizeBytes,
  });
  try {
    const readySeconds = ((performance.now() - startedMs) / 1000).toFixed(1);
    console.log(
      `  ${options.label}: tracker + ${options.seeders} seeders ready in ${readySeconds} s`,
    );
    const idle = await swarm.measureIdlePeer();
    const results: LeecherResult[] = [];
    for (let run = 0; run < options.runs; run++) {
      const result = await swarm.runLeecher(run);
      console.log(describeRun(options.label, run, result));
      results.push(result);
    }
    return { idle, results };
  } finally {
    await swarm.stop();
  }
}

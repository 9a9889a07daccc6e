import type { SwarmFile } from './files.ts';
import type { LeecherResult } from './leecher-result.ts';
import { runLeecherSeries } from './leecher-series.ts';
import { type IdlePeerMemory, OurSwarm } from './our-swarm.ts';
import { measureSeedersIdlePercent } from './serving-cost.ts';
import type { Workspace } from './workspace.ts';

/** Everything measured on one bt-tui swarm. */
export interface OurMeasurements {
  idle: IdlePeerMemory;
  /** Each seeder's CPU with no leecher running, % of a core. */
  seedersIdlePercent: (number | null)[];
  results: LeecherResult[];
  /** The same runs with a CPU hog on one core (empty unless asked for). */
  hogged: LeecherResult[];
}

/**
 * Starts a bt-tui swarm for `file`, measures an idle peer, then runs `runs` leechers one
 * after another (printing a line per run), then as many again with a CPU hog if `contention`,
 * and stops the swarm whatever happens.
 */
export async function measureOurSwarm(
  workspace: Workspace,
  file: SwarmFile,
  options: {
    seeders: number;
    runs: number;
    blockSizeBytes: number;
    label: string;
    cliPath: string;
    contention?: boolean;
    /** The loopback address to run on (SwarmFlags.host); 127.0.0.1 when not given. */
    host?: string;
  },
): Promise<OurMeasurements> {
  const startedMs = performance.now();
  const swarm = await OurSwarm.start({
    workspace,
    file,
    seeders: options.seeders,
    blockSizeBytes: options.blockSizeBytes,
    cliPath: options.cliPath,
    host: options.host ?? '127.0.0.1',
  });
  try {
    const readySeconds = ((performance.now() - startedMs) / 1000).toFixed(1);
    console.log(
      `  ${options.label}: tracker + ${options.seeders} seeders ready in ${readySeconds} s`,
    );
    const idle = await swarm.measureIdlePeer();
    const seedersIdlePercent = await measureSeedersIdlePercent(swarm.seederProcesses());
    const { results, hogged } = await runLeecherSeries(
      workspace.group,
      {
        label: options.label,
        runs: options.runs,
        contention: options.contention ?? false,
        startupCpuSeconds: idle.cpuSeconds,
        fileBytes: file.sizeBytes,
      },
      (run) => swarm.runLeecher(run),
    );
    return { idle, seedersIdlePercent, results, hogged };
  } finally {
    await swarm.stop();
  }
}

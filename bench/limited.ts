/**
 * What a download held to `--download-limit` costs (issue 15: rate-limited transfers cost CPU in
 * proportion to bytes, not to time). One tracker and one seeder on 127.0.0.1; a fresh leecher
 * downloads the file once per limit, in the order given (`0`: none), and the table gives its CPU
 * beyond its start-up (an idle peer's after it settled, measured in the same run) per GiB and per
 * second of the download.
 *
 *   node --import tsx bench/limited.ts [--size 16] [--limits 0,2M,500K] [--runs 1] [--cli PATH]
 *
 * A cost in proportion to bytes is the same core-s/GiB at every limit; one in proportion to time
 * is the same ms of CPU per second, and its core-s/GiB grows as the limit falls.
 */
import { parseArgs } from 'node:util';
import { describeRateError, parseRate } from '../source/rate.ts';
import { positiveNumber } from './lib/args.ts';
import { CLI_PATH, ensureFreshBuild } from './lib/build.ts';
import { createSwarmFile, MiB } from './lib/files.ts';
import { OurSwarm } from './lib/our-swarm.ts';
import { printMachine } from './lib/proc-stats.ts';
import { fixed, formatTable } from './lib/table.ts';
import { withWorkspace } from './lib/workspace.ts';

const GiB = 1024 * MiB;

const USAGE = 'flags: --size MiB (16) --limits 0,2M,500K --runs N (1) --cli PATH/dist/cli.js';

const { values, sizeMiB, runs, limits } = (() => {
  try {
    const { values } = parseArgs({
      options: {
        size: { type: 'string', default: '16' },
        limits: { type: 'string', default: '0,2M,500K' },
        runs: { type: 'string', default: '1' },
        cli: { type: 'string' },
      },
    });
    const limits = values.limits.split(',').map((text) => {
      const bytesPerSec = parseRate(text);
      if (bytesPerSec === null) throw new Error(describeRateError('--limits', text));
      return { text, bytesPerSec };
    });
    return {
      values,
      sizeMiB: positiveNumber('--size', values.size),
      runs: positiveNumber('--runs', values.runs, true),
      limits,
    };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
})();
if (values.cli === undefined) ensureFreshBuild();
const cliPath = values.cli ?? CLI_PATH;
printMachine();
console.log(
  `one seeder -> one leecher on 127.0.0.1, ${sizeMiB} MiB, --download-limit ${values.limits}, ${runs} run(s) each; CLI ${cliPath}`,
);

process.exitCode = await withWorkspace('bt-bench-limited', async (workspace) => {
  const file = await createSwarmFile(workspace.dir, sizeMiB);
  const swarm = await OurSwarm.start({
    workspace,
    file,
    seeders: 1,
    blockSizeBytes: 16 * 1024,
    cliPath,
    host: '127.0.0.1',
  });
  try {
    const idle = await swarm.measureIdlePeer();
    const startupSeconds = idle.cpuSeconds ?? 0;
    console.log(`start-up of an idle peer: ${fixed(startupSeconds, 2)} core-s`);
    const rows: string[][] = [];
    let failed = false;
    let run = 0;
    for (const limit of limits) {
      for (let i = 0; i < runs; i++) {
        const args = limit.bytesPerSec === 0 ? [] : ['--download-limit', limit.text];
        // Twice the time the limit allows, and a minute to start and search.
        const timeoutMs =
          60_000 + (limit.bytesPerSec === 0 ? 0 : (2_000 * file.sizeBytes) / limit.bytesPerSec);
        const result = await swarm.runLeecher(run++, args, timeoutMs);
        const { cpuSeconds, wallSeconds } = result.measured;
        if (result.problem !== null || cpuSeconds === null) {
          failed = true;
          rows.push([limit.text, 'failed', result.problem ?? 'no CPU figure', '', '', '']);
          continue;
        }
        const beyond = Math.max(0, cpuSeconds - startupSeconds);
        rows.push([
          limit.bytesPerSec === 0 ? 'none' : limit.text,
          fixed(wallSeconds, 2),
          fixed(file.sizeBytes / MiB / wallSeconds, 2),
          fixed(cpuSeconds, 2),
          fixed(beyond / (file.sizeBytes / GiB), 1),
          fixed((beyond * 1000) / wallSeconds, 1),
        ]);
      }
    }
    console.log('');
    console.log(
      formatTable(
        [
          '--download-limit',
          'wall s',
          'MiB/s',
          'leecher CPU s',
          'core-s/GiB beyond start-up',
          'ms of CPU per s',
        ],
        rows,
      ),
    );
    console.log(
      '(wall and CPU: the leecher process from spawn to exit, start-up included; beyond start-up: less the idle peer above)',
    );
    return failed ? 1 : 0;
  } finally {
    await swarm.stop();
  }
});

/**
 * The machine's floor alone (issue 15): raw UDP receive and send, SHA-256, pwrite and pread,
 * core-seconds per GiB, no bt-tui process. swarm.ts and aria2.ts print the same beside bt-tui.
 *
 *   node --import tsx bench/floor.ts [--size 256] [--block-size 16384]
 */
import { parseArgs } from 'node:util';
import { pieceSizeFor } from '../source/config.ts';
import { MiB } from './lib/files.ts';
import { describeFloor, measureMachineFloor } from './lib/floor.ts';
import { busyMachineWarning, describeMachine } from './lib/proc-stats.ts';
import { withWorkspace } from './lib/workspace.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '256' },
    'block-size': { type: 'string', default: '16384' },
  },
});
const sizeBytes = Math.round(Number(values.size) * MiB);
const blockBytes = Number(values['block-size']);
if (!(sizeBytes > 0) || !Number.isSafeInteger(blockBytes) || blockBytes < 1) {
  console.error('flags: --size MiB (256) --block-size BYTES (16384)');
  process.exit(2);
}
console.log(describeMachine());
const busy = busyMachineWarning();
if (busy) console.log(busy);

process.exitCode = await withWorkspace('bt-bench-floor', async (workspace) => {
  const floor = await measureMachineFloor(
    workspace,
    sizeBytes,
    blockBytes,
    pieceSizeFor(sizeBytes),
  );
  for (const line of describeFloor(floor)) console.log(line);
  return 0;
});

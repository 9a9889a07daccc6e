/**
 * Kernel-level loss bench: the bt-tui swarm (tracker + seeders + 1 leecher, real CLI) inside a
 * network namespace of its own whose inbound UDP is dropped at random by nftables
 * (`numgen random mod 100 < N drop`), for each N and block size. Needs root (ip netns, nft).
 *
 *   node --import tsx bench/faults.ts [--size 64] [--seeders 3] [--loss 0,1,5,10]
 *                                     [--block-sizes 16384,1200] [--cli PATH/dist/cli.js]
 *
 * --cli measures that build instead of this repo's dist/ (no `npm run build`): e.g. a build of a
 * commit made from `git archive` while the work tree is mid-edit.
 *
 * Prints one line per run and a table. Figures, not a test: see README.md.
 */
import { parseArgs } from 'node:util';
import { integerList } from './lib/args.ts';
import { CLI_PATH, ensureFreshBuild } from './lib/build.ts';
import { createSwarmFile, MiB } from './lib/files.ts';
import { type Counters, ensureNft, LossyNamespace } from './lib/netns.ts';
import { LEECHER_PORT, type NamespaceLeecherResult, NamespaceSwarm } from './lib/netns-swarm.ts';
import { busyMachineWarning, describeMachine } from './lib/proc-stats.ts';
import { fixed, formatTable } from './lib/table.ts';
import { withWorkspace } from './lib/workspace.ts';

/** IPv4 header + UDP header + our DATA header (DATA_HEADER_BYTES of source/protocol/codec.ts). */
const DATA_OVERHEAD_BYTES = 20 + 8 + 53;

const USAGE =
  'flags: --size MiB (64) --seeders N (3) --loss LIST (0,1,5,10) --block-sizes LIST (16384,1200) --cli PATH (dist/cli.js)';

interface Flags {
  sizeMiB: number;
  seeders: number;
  lossPercents: number[];
  blockSizes: number[];
  /** The CLI to run; null: this repo's dist/cli.js, rebuilt when stale. */
  cliPath: string | null;
}

function parseFlags(argv: string[]): Flags {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        size: { type: 'string', default: '64' },
        seeders: { type: 'string', default: '3' },
        loss: { type: 'string', default: '0,1,5,10' },
        'block-sizes': { type: 'string', default: '16384,1200' },
        cli: { type: 'string' },
      },
    });
    const sizeMiB = Number(values.size);
    if (!(sizeMiB > 0)) throw new Error(`--size must be a positive number (got "${values.size}")`);
    return {
      sizeMiB,
      seeders: integerList('--seeders', values.seeders, 1, 50)[0]!,
      lossPercents: integerList('--loss', values.loss, 0, 100),
      blockSizes: integerList('--block-sizes', values['block-sizes'], 1, 65_000),
      cliPath: values.cli ?? null,
    };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

interface Row {
  lossPercent: number;
  blockSizeBytes: number;
  result: NamespaceLeecherResult;
  counters: Counters;
}

const HEADERS = [
  'loss N %',
  'block B',
  'time s',
  'MiB/s (wall)',
  'MiB/s (engine)',
  'UDP loss %',
  'DATA to leecher',
  'DATA dropped',
  'resent MiB',
  'resent %',
  'RcvbufErrors',
  'SHA-256',
];

const flags = parseFlags(process.argv.slice(2));
if (process.getuid?.() !== 0) {
  console.error('bench/faults.ts needs root: it creates a network namespace and nftables rules');
  process.exit(2);
}
ensureNft();
if (flags.cliPath === null) ensureFreshBuild();
const cliPath = flags.cliPath ?? CLI_PATH;
console.log(describeMachine());
const busy = busyMachineWarning();
if (busy) console.log(busy);
console.log(
  `scenario: ${flags.sizeMiB} MiB, ${flags.seeders} seeders -> 1 leecher in a network namespace (CLI ${cliPath}); inbound UDP dropped by nftables at N % = ${flags.lossPercents.join(', ')}; block sizes ${flags.blockSizes.join(', ')} B`,
);

process.exitCode = await withWorkspace('bt-bench-faults', async (workspace) => {
  const file = await createSwarmFile(workspace.dir, flags.sizeMiB);
  const namespace = LossyNamespace.create(LEECHER_PORT, 0);
  // Ctrl+C: withWorkspace stops the processes, then exits; the namespace goes on 'exit'.
  const onExit = () => namespace.delete();
  process.on('exit', onExit);
  const rows: Row[] = [];
  try {
    for (const blockSizeBytes of flags.blockSizes) {
      namespace.setLoss(0);
      const swarm = await NamespaceSwarm.start(
        workspace,
        namespace,
        file,
        flags.seeders,
        blockSizeBytes,
        cliPath,
      );
      try {
        for (const lossPercent of flags.lossPercents) {
          namespace.setLoss(lossPercent); // Fresh counters too.
          const result = await swarm.runLeecher();
          const counters = namespace.readCounters();
          const row = { lossPercent, blockSizeBytes, result, counters };
          console.log(describeRow(row, file.sizeBytes));
          rows.push(row);
        }
      } finally {
        namespace.setLoss(0);
        await swarm.stop();
      }
    }
  } finally {
    namespace.delete();
    process.off('exit', onExit);
  }
  rows.sort(
    (a, b) =>
      a.lossPercent - b.lossPercent ||
      flags.blockSizes.indexOf(a.blockSizeBytes) - flags.blockSizes.indexOf(b.blockSizeBytes),
  );
  console.log('');
  console.log(
    formatTable(
      HEADERS,
      rows.map((row) => tableRow(row, file.sizeBytes)),
    ),
  );
  console.log(
    '(resent = DATA payload bytes that reached the namespace input hook for the leecher port, before the drop rule, minus the file size: every DATA datagram beyond one copy, whatever made it necessary; UDP loss = dropped / all inbound UDP datagrams of the namespace during the run)',
  );
  const failed = rows.filter((row) => row.result.problem !== null);
  for (const row of failed) {
    console.log(`FAILED N=${row.lossPercent} block ${row.blockSizeBytes}: ${row.result.problem}`);
  }
  return failed.length === 0 ? 0 : 1;
});

function figures(row: Row, sizeBytes: number) {
  const { counters } = row;
  const dropped =
    counters.dropped_to_leecher.packets +
    counters.dropped_other.packets +
    counters.dropped_data_to_leecher.packets;
  const dataPayloadBytes =
    counters.data_to_leecher.bytes - counters.data_to_leecher.packets * DATA_OVERHEAD_BYTES;
  const resentBytes = dataPayloadBytes - sizeBytes;
  return {
    udpLossPercent: counters.udp_in.packets === 0 ? 0 : (dropped * 100) / counters.udp_in.packets,
    resentBytes,
    resentPercent: (resentBytes * 100) / sizeBytes,
  };
}

function tableRow(row: Row, sizeBytes: number): string[] {
  const { result, counters } = row;
  const { udpLossPercent, resentBytes, resentPercent } = figures(row, sizeBytes);
  return [
    String(row.lossPercent),
    String(row.blockSizeBytes),
    fixed(result.measured.wallSeconds, 2),
    fixed(result.wallMiBps),
    fixed(result.engineMiBps),
    fixed(udpLossPercent, 2),
    String(counters.data_to_leecher.packets),
    String(counters.dropped_data_to_leecher.packets),
    fixed(resentBytes / MiB, 2),
    fixed(resentPercent, 2),
    result.namespaceRcvbufErrors === null ? '-' : String(result.namespaceRcvbufErrors),
    result.problem === null ? 'ok' : 'BAD',
  ];
}

function describeRow(row: Row, sizeBytes: number): string {
  const { udpLossPercent, resentBytes } = figures(row, sizeBytes);
  const status = row.result.problem ?? 'SHA-256 ok';
  return `  N=${row.lossPercent}% block ${row.blockSizeBytes} B: ${row.result.measured.wallSeconds.toFixed(2)} s, ${fixed(row.result.engineMiBps)} MiB/s (engine), UDP loss ${udpLossPercent.toFixed(2)} %, resent ${(resentBytes / MiB).toFixed(2)} MiB; ${status}`;
}

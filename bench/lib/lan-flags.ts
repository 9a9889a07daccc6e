import { parseArgs } from 'node:util';
import { integerList, positiveNumber } from './args.ts';
import { LAN_SYSTEMS, type LanSystemName } from './lan-system.ts';

const USAGE =
  'flags: --rate MBIT/S (100) --size MiB (64) --n LIST (1,4,8,16) --runs N (1) --only bt-tui|aria2 --cli PATH (dist/cli.js) --seed-time SECONDS (0) --timeline DIR --ipv6 (bt-tui over IPv6, with --only bt-tui)';

/** bench/lan.ts's flags. */
export interface LanFlags {
  rateMbit: number;
  sizeMiB: number;
  leecherCounts: number[];
  runs: number;
  systems: LanSystemName[];
  /** The CLI to run; null: this repo's dist/cli.js, rebuilt when stale. */
  cliPath: string | null;
  /** How long a leecher goes on seeding once done (bt-tui's and aria2c's --seed-time). */
  seedTimeSeconds: number;
  /** Where each crowd's link timeline goes (a TSV per crowd); null: none recorded. */
  timelineDir: string | null;
  /** bt-tui's crowd over the hosts' IPv6 addresses (the floor stays IPv4). */
  ipv6: boolean;
}

/** Parses the bench's argv; prints usage and exits 2 on a bad flag. */
export function parseLanFlags(argv: string[]): LanFlags {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        rate: { type: 'string', default: '100' },
        size: { type: 'string', default: '64' },
        n: { type: 'string', default: '1,4,8,16' },
        runs: { type: 'string', default: '1' },
        only: { type: 'string' },
        cli: { type: 'string' },
        'seed-time': { type: 'string', default: '0' },
        timeline: { type: 'string' },
        ipv6: { type: 'boolean', default: false },
      },
    });
    const only = values.only;
    // aria2c's comparison is IPv4 (opentracker as built here listens on IPv4).
    if (values.ipv6 && only !== 'bt-tui')
      throw new Error('--ipv6 runs bt-tui only: add --only bt-tui');
    if (only !== undefined && !(LAN_SYSTEMS as readonly string[]).includes(only)) {
      throw new Error(`--only takes ${LAN_SYSTEMS.join(' or ')} (got "${only}")`);
    }
    return {
      rateMbit: positiveNumber('--rate', values.rate),
      sizeMiB: positiveNumber('--size', values.size),
      leecherCounts: integerList('--n', values.n, 1, 200),
      runs: integerList('--runs', values.runs, 1, 100)[0]!,
      systems: only === undefined ? [...LAN_SYSTEMS] : [only as LanSystemName],
      cliPath: values.cli ?? null,
      seedTimeSeconds: seedTime(values['seed-time']),
      timelineDir: values.timeline ?? null,
      ipv6: values.ipv6,
    };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

function seedTime(text: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds <= 3600))
    throw new Error(`--seed-time takes seconds from 0 to 3600 (got "${text}")`);
  return seconds;
}

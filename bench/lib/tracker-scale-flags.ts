/**
 * The command line of bench/tracker-scale.ts: parsed and checked, or one line of error and the
 * usage, exit 2.
 */
import { parseArgs } from 'node:util';
import { KILL_AFTER_WINDOW_START_MS } from './kill-one.ts';

export const USAGE =
  'flags: --nodes LIST (1000,10000) --sweep S (22, as the tracker) --seconds S (30) --ramp NODES_PER_S (2000) --cli PATH --trackers N (1) --store lmdb|redis (lmdb) --kill-one (needs --trackers 2+ --store redis) --index-all';

/** What a tracker-scale run measures. */
export interface Flags {
  nodeCounts: number[];
  sweepSeconds: number;
  measureSeconds: number;
  rampPerSecond: number;
  cliPath: string | null;
  trackers: number;
  store: 'lmdb' | 'redis';
  killOne: boolean;
  /** Trackers started with bounds that fit every node and every OWN of the scenario. */
  indexAll: boolean;
}

/** The flags of `argv`; on a bad one, prints why and the usage and exits 2. */
export function parseFlags(argv: string[]): Flags {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: 'string', default: '1000,10000' },
        sweep: { type: 'string', default: '22' },
        seconds: { type: 'string', default: '30' },
        ramp: { type: 'string', default: '2000' },
        cli: { type: 'string' },
        trackers: { type: 'string', default: '1' },
        store: { type: 'string', default: 'lmdb' },
        'kill-one': { type: 'boolean', default: false },
        'index-all': { type: 'boolean', default: false },
      },
    });
    const nodeCounts = values.nodes.split(',').map(Number);
    if (nodeCounts.some((n) => !Number.isSafeInteger(n) || n < 1 || n > 254 ** 3)) {
      throw new Error(`--nodes takes positive integers, comma-separated (got "${values.nodes}")`);
    }
    const numbers = [values.sweep, values.seconds, values.ramp].map(Number);
    if (numbers.some((n) => !(n > 0))) throw new Error('--sweep, --seconds, --ramp must be > 0');
    const trackers = Number(values.trackers);
    if (values.store !== 'lmdb' && values.store !== 'redis') {
      throw new Error(`--store is lmdb or redis (got "${values.store}")`);
    }
    if (
      !Number.isSafeInteger(trackers) ||
      trackers < 1 ||
      (trackers > 1 && values.store !== 'redis')
    ) {
      throw new Error('--trackers N: a positive integer; more than one needs --store redis');
    }
    const killOne = values['kill-one'];
    if (killOne && (trackers < 2 || values.store !== 'redis')) {
      throw new Error('--kill-one needs --trackers 2 or more and --store redis');
    }
    if (killOne && numbers[1]! * 1000 <= KILL_AFTER_WINDOW_START_MS) {
      throw new Error(`--kill-one needs --seconds above ${KILL_AFTER_WINDOW_START_MS / 1000}`);
    }
    return {
      killOne,
      indexAll: values['index-all'],
      trackers,
      store: values.store,
      nodeCounts,
      sweepSeconds: numbers[0]!,
      measureSeconds: numbers[1]!,
      rampPerSecond: numbers[2]!,
      cliPath: values.cli ?? null,
    };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

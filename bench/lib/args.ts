import { parseArgs } from 'node:util';
import { CLI_PATH, ensureFreshBuild } from './build.ts';

/** The flags every swarm bench takes. */
export interface SwarmFlags {
  /** File size in MiB (fractions allowed, e.g. 0.5). */
  sizeMiB: number;
  seeders: number;
  runs: number;
  blockSizeBytes: number;
  /** memory.ts only: also 4096 MiB. */
  big: boolean;
  /** swarm.ts, aria2.ts: the runs again with a CPU hog busy-looping on one core. */
  contention: boolean;
  /** The CLI to run (another build, e.g. of the last commit); null: dist/cli.js, rebuilt when stale. */
  cliPath: string | null;
  /** The loopback address every process listens on: 127.0.0.1, or ::1 for the IPv6 path. */
  host: string;
}

const USAGE = `flags: --size MiB (default 256) --seeders N (3) --runs N (3) --block-size BYTES (16384) --contention --cli PATH/dist/cli.js --host 127.0.0.1|::1`;

/** Parses the bench's argv; prints usage and exits 2 on a bad flag. */
export function parseSwarmFlags(argv: string[], runsDefault = 3): SwarmFlags {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        size: { type: 'string', default: '256' },
        seeders: { type: 'string', default: '3' },
        runs: { type: 'string', default: String(runsDefault) },
        'block-size': { type: 'string', default: '16384' },
        big: { type: 'boolean', default: false },
        contention: { type: 'boolean', default: false },
        cli: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
      },
    });
    if (values.host !== '127.0.0.1' && values.host !== '::1') {
      throw new Error(`--host takes 127.0.0.1 or ::1 (got "${values.host}")`);
    }
    return {
      sizeMiB: positiveNumber('--size', values.size, false),
      seeders: positiveNumber('--seeders', values.seeders, true),
      runs: positiveNumber('--runs', values.runs, true),
      blockSizeBytes: positiveNumber('--block-size', values['block-size'], true),
      big: values.big,
      contention: values.contention,
      cliPath: values.cli ?? null,
      host: values.host,
    };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

/** The CLI a bench runs: `--cli` as given, else this repo's dist/cli.js, rebuilt when stale. */
export function cliToRun(flags: SwarmFlags): string {
  if (flags.cliPath !== null) return flags.cliPath;
  ensureFreshBuild();
  return CLI_PATH;
}

/** `text` as a number above 0 (an integer if `integer`); throws a sentence naming `flag`. */
export function positiveNumber(flag: string, text: string, integer = false): number {
  const value = Number(text);
  if (!(value > 0) || (integer && !Number.isSafeInteger(value))) {
    throw new Error(`${flag} must be a positive ${integer ? 'integer' : 'number'} (got "${text}")`);
  }
  return value;
}

/** A comma-separated list of integers, each in min..max; throws a sentence naming `flag`. */
export function integerList(flag: string, text: string, min: number, max: number): number[] {
  const values = text.split(',').map(Number);
  if (values.some((v) => !Number.isSafeInteger(v) || v < min || v > max)) {
    throw new Error(`${flag} takes integers ${min}..${max}, comma-separated (got "${text}")`);
  }
  return values;
}

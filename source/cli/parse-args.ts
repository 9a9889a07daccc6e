import { isIP } from 'node:net';
import meow from 'meow';
import { defaults } from '../config.ts';
import { formatAddress } from '../format.ts';
import { describeTargetError, parseDownloadTarget } from '../peer/download/download-target.ts';
import { MAX_NEED_EXCLUDE, MAX_OWNERS_PER_MATCH, MAX_PAYLOAD_BYTES } from '../protocol/messages.ts';
import { describeNameError, validateFileName } from '../protocol/names.ts';
import { describeRateError, parseRate } from '../rate.ts';
import { closest, nearestName } from '../suggest.ts';
import { storeUrlProblem } from '../tracker/store/store-url.ts';
import {
  type CommandName,
  commandFlags,
  commandNames,
  type FlagSpec,
  flagToOption,
  helpText,
} from './flags.ts';

export interface TrackerOptions {
  host: string;
  port: number;
  dbDir: string;
  /** A store shared with other trackers (redis://HOST:PORT), or null for the one in dbDir. */
  storeUrl: string | null;
  logsDir: string;
  sweepIntervalMs: number;
  /** Bounds of the registry and the owner index. */
  maxNodes: number;
  maxFiles: number;
  headless: boolean;
}

/** `bt-tui tracker export`: which store to read. */
export interface TrackerExportOptions {
  dbDir: string;
  storeUrl: string | null;
}

export interface PeerOptions {
  nodeId: number;
  /**
   * The swarm's trackers in order of preference (`--tracker A:P,B:P`); at least one. An address
   * is an IP address or a host name, which runPeer looks up (see tracker-names.ts).
   */
  trackers: { address: string; port: number }[];
  /** --host, or null when not given: runPeer then picks one that reaches the trackers. */
  host: string | null;
  port: number;
  filesDir: string;
  logsDir: string;
  seed: string[];
  seedAll: boolean;
  download: string[];
  maxOwners: number;
  maxPeers: number;
  uploadLimitBytesPerSec: number;
  downloadLimitBytesPerSec: number;
  blockSizeBytes: number;
  exitWhenDone: boolean;
  /** With exitWhenDone: how long the node goes on seeding once every download is verified. */
  seedTimeMs: number;
  headless: boolean;
}

export interface DemoOptions {
  sizesMiB: number[];
  seeders: number;
  keep: boolean;
  headless: boolean;
}

/** Largest demo sample: the demo must start within a minute on a laptop. */
const MAX_DEMO_FILE_MIB = 4096;
const MAX_DEMO_SEEDERS = 8;

export type ParsedCommandLine =
  | { kind: 'tracker'; options: TrackerOptions }
  | { kind: 'tracker-export'; options: TrackerExportOptions }
  | { kind: 'demo'; options: DemoOptions }
  | { kind: 'peer'; options: PeerOptions }
  | { kind: 'help'; text: string }
  | { kind: 'version'; text: string }
  /** A usage error: one line for a person; the CLI exits 2. */
  | { kind: 'usage-error'; message: string };

class UsageError extends Error {}

const fail = (message: string): never => {
  throw new UsageError(message);
};

/** Parses argv (without node and script) into a validated command, never exiting the process. */
export function parseCommandLine(argv: string[], version: string): ParsedCommandLine {
  try {
    return parse(argv, version);
  } catch (error) {
    if (error instanceof UsageError) return { kind: 'usage-error', message: error.message };
    throw error;
  }
}

function parse(argv: string[], version: string): ParsedCommandLine {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', text: helpText };
  if (argv.includes('--version') || argv.includes('-v')) return { kind: 'version', text: version };
  const commandWord = argv[0];
  if (commandWord === undefined)
    fail('missing command: try `bt-tui tracker` or `bt-tui peer --id 1`');
  if (commandWord!.startsWith('-')) {
    // `bt-tui --versoin` said `unknown command "--versoin"`.
    const guess = closest(commandWord!, ['--help', '--version']);
    fail(
      guess
        ? `unknown flag ${commandWord}; did you mean ${guess}?`
        : `a command comes first, then its flags (got ${commandWord}): bt-tui tracker, bt-tui peer --id N or bt-tui demo (see --help)`,
    );
  }
  if (!commandNames.includes(commandWord as CommandName)) {
    const guess = closest(commandWord!, commandNames);
    fail(
      `unknown command "${commandWord}"${guess ? `; did you mean "${guess}"?` : ''} (see --help)`,
    );
  }
  const command = commandWord as CommandName;
  const flags = commandFlags[command];
  const args = withNegativeValues(argv.slice(1), flags);
  rejectUnknownFlags(args, command);
  rejectRepeatableFlagsWithoutValue(args, flags);
  rejectRepeatedFlags(args, flags);
  rejectSwitchValues(args, flags);
  const cli = meow(helpText, {
    importMeta: import.meta,
    argv: args,
    flags,
    autoHelp: false,
    autoVersion: false,
    allowUnknownFlags: true,
  });
  const values = cli.flags as Record<string, unknown>;
  if (command === 'tracker' && cli.input[0] === 'export' && cli.input.length === 1) {
    return { kind: 'tracker-export', options: trackerExportOptions(values) };
  }
  // `tracker export extra` named "export" as the unexpected one (found by hand).
  const unexpected = cli.input[command === 'tracker' && cli.input[0] === 'export' ? 1 : 0];
  if (unexpected !== undefined) {
    // `tracker exprt` said only that flags start with --.
    const meant = command === 'tracker' ? nearestName(unexpected, ['export']) : null;
    fail(
      meant
        ? `unexpected argument "${unexpected}"; did you mean "tracker ${meant}"? (see --help)`
        : `unexpected argument "${unexpected}" (flags start with --)`,
    );
  }
  if (command === 'tracker') return { kind: 'tracker', options: trackerOptions(values) };
  if (command === 'demo') return { kind: 'demo', options: demoOptions(values) };
  return { kind: 'peer', options: peerOptions(values) };
}

/**
 * `--id -3` as `--id=-3`: a flag that takes a value, then a negative number. Before, `-3` was
 * read as a flag of its own (`unknown flag -3`), while `--id=-3` got the flag's own refusal.
 */
function withNegativeValues(args: string[], flags: Record<string, FlagSpec>): string[] {
  const valued = Object.entries(flags)
    .filter(([, spec]) => spec.type === 'string' && spec.isMultiple !== true)
    .map(([name]) => flagToOption(name));
  const joined: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const next = args[index + 1];
    if (valued.includes(arg) && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      index++;
    } else joined.push(arg);
  }
  return joined;
}

function rejectUnknownFlags(args: string[], command: CommandName): void {
  const flags: Record<string, FlagSpec> = commandFlags[command];
  const options = Object.keys(flags).map(flagToOption);
  const valued = Object.entries(flags)
    .filter(([, spec]) => spec.type === 'string')
    .map(([name]) => flagToOption(name));
  args.forEach((arg, index) => {
    if (!arg.startsWith('-')) return;
    const option = arg.split('=')[0]!;
    const positive = option.startsWith('--no-') ? `--${option.slice(5)}` : option;
    if (options.includes(positive)) return;
    // `peer --sweep`: said as the other command's flag (it was `did you mean --seed?`).
    const owner = commandNames.find(
      (other) =>
        other !== command && Object.keys(commandFlags[other]).map(flagToOption).includes(positive),
    );
    if (owner !== undefined)
      fail(`${option} is a flag of bt-tui ${owner}, not of bt-tui ${command} (see --help)`);
    const guess = closest(positive, options);
    // `--download -dash.bin`: a value that starts with - reads as a flag; say how to give it
    // (where it is no misspelt flag: `--files --hedless` is one left without its value).
    const before = args[index - 1];
    if (!guess && before !== undefined && valued.includes(before))
      fail(
        `unknown flag ${arg}; for a value of ${before} that starts with -, write ${before}=${arg}`,
      );
    fail(`unknown flag ${option}${guess ? `; did you mean ${guess}?` : ''} (see --help)`);
  });
}

/**
 * `--download` (or `--seed`) with nothing after it, or another flag after it: meow drops a
 * repeatable flag's missing value without a word, and the node started without the download
 * that was asked for (then waited for its tracker and exited). Every other flag's missing
 * value reaches its own check as "".
 */
function rejectRepeatableFlagsWithoutValue(args: string[], flags: Record<string, FlagSpec>): void {
  const repeatable = Object.entries(flags)
    .filter(([, spec]) => spec.type === 'string' && spec.isMultiple === true)
    .map(([name]) => flagToOption(name));
  args.forEach((arg, index) => {
    if (!repeatable.includes(arg)) return;
    const next = args[index + 1];
    if (next === undefined || next.startsWith('-'))
      fail(`${arg} needs a file name (e.g. ${arg} big.bin)`);
  });
}

/**
 * A switch given a value (`--exit-when-done=1`): meow read every value but `true` as off, and a
 * script's `--exit-when-done=1` ran for good (found by a session). A switch is given alone.
 */
function rejectSwitchValues(args: string[], flags: Record<string, FlagSpec>): void {
  for (const arg of args) {
    const equals = arg.indexOf('=');
    if (!arg.startsWith('--') || equals < 0) continue;
    const option = arg.slice(0, equals);
    const positive = option.startsWith('--no-') ? `--${option.slice(5)}` : option;
    const spec = Object.entries(flags).find(([name]) => flagToOption(name) === positive)?.[1];
    if (spec?.type !== 'boolean') continue;
    fail(`${option} takes no value (got "${arg.slice(equals + 1)}"): give it alone to turn it on`);
  }
}

/**
 * A flag of one value given twice (`--id 1 --id 2`): meow threw `The flag --id can only be set
 * once.` with a stack trace (found by hand). Which one was meant is a guess: refused, saying
 * both. Several trackers go in one --tracker; a switch given twice is still that switch.
 */
function rejectRepeatedFlags(args: string[], flags: Record<string, FlagSpec>): void {
  for (const [name, spec] of Object.entries(flags)) {
    if (spec.type !== 'string' || spec.isMultiple === true) continue;
    const option = flagToOption(name);
    const given: string[] = [];
    args.forEach((arg, index) => {
      if (arg === option) given.push(args[index + 1] ?? '');
      else if (arg.startsWith(`${option}=`)) given.push(arg.slice(option.length + 1));
    });
    if (given.length < 2) continue;
    const shown = given.map((value) => `"${value}"`).join(given.length === 2 ? ' and ' : ', ');
    const several =
      name === 'tracker'
        ? `; several trackers go in one, separated by commas: ${option} ${given.join(',')}`
        : '';
    fail(
      `${option} given ${given.length === 2 ? 'twice' : `${given.length} times`} (${shown}): give it once${several}`,
    );
  }
}

function stringFlag(values: Record<string, unknown>, name: string, fallback: string): string {
  const value = values[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '') fail(`${flagToOption(name)} needs a value`);
  return value as string;
}

/**
 * Highest --max-nodes / --max-files: at ~2.3 KiB of tracker memory per node (with 3 files), ten
 * million is ~23 GiB, beyond any machine this runs on; a typo with an extra zero or two is not.
 */
const MAX_TRACKER_BOUND = 10_000_000;

function integerFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = values[name];
  if (text === undefined) return fallback;
  // `--id` with nothing after it: said as every other flag says it (it was `(got "")`).
  if (text === '') fail(`${flagToOption(name)} needs a value`);
  const value = typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    fail(`${flagToOption(name)} must be an integer from ${min} to ${max} (got "${String(text)}")`);
  }
  return value;
}

function rateFlag(values: Record<string, unknown>, name: string): number {
  const text = values[name];
  if (text === undefined) return 0;
  // As every other flag says it (it was `(got "")`, found by a session).
  if (text === '') fail(`${flagToOption(name)} needs a value`);
  const bytesPerSec = typeof text === 'string' ? parseRate(text) : null;
  if (bytesPerSec === null) fail(describeRateError(flagToOption(name), String(text)));
  return bytesPerSec!;
}

function hostFlag(values: Record<string, unknown>, name: string, fallback: string): string {
  const host = stringFlag(values, name, fallback);
  if (host !== 'localhost' && isIP(host) === 0) {
    fail(`${flagToOption(name)} must be an IP address such as 127.0.0.1 (got "${host}")`);
  }
  return host === 'localhost' ? '127.0.0.1' : host;
}

function trackerOptions(values: Record<string, unknown>): TrackerOptions {
  const sweepText = stringFlag(values, 'sweep', String(defaults.sweepIntervalMs / 1000));
  const sweepSeconds = /^\d+(\.\d+)?$/.test(sweepText) ? Number(sweepText) : Number.NaN;
  if (!(sweepSeconds >= 0.2 && sweepSeconds <= 3600)) {
    fail(`--sweep must be a number of seconds from 0.2 to 3600 (got "${sweepText}")`);
  }
  return {
    host: hostFlag(values, 'host', defaults.trackerHost),
    port: integerFlag(values, 'port', defaults.trackerPort, 0, 65535),
    dbDir: stringFlag(values, 'db', defaults.trackerDbDir),
    storeUrl: storeFlag(values),
    logsDir: stringFlag(values, 'logs', defaults.logsDir),
    sweepIntervalMs: Math.round(sweepSeconds * 1000),
    maxNodes: integerFlag(values, 'maxNodes', defaults.trackerMaxNodes, 1, MAX_TRACKER_BOUND),
    maxFiles: integerFlag(values, 'maxFiles', defaults.trackerMaxFiles, 1, MAX_TRACKER_BOUND),
    headless: values.headless === true,
  };
}

function trackerExportOptions(values: Record<string, unknown>): TrackerExportOptions {
  // A switch reads false when not given: only one given (true) is extra. `--headless` was taken
  // and ignored (found by a session): export prints one JSON object and never has a screen.
  const extra = Object.keys(values).filter(
    (name) =>
      values[name] !== undefined && values[name] !== false && !['db', 'store'].includes(name),
  );
  if (extra.length > 0)
    fail(`tracker export takes only --db or --store (got ${flagToOption(extra[0]!)})`);
  return { dbDir: stringFlag(values, 'db', defaults.trackerDbDir), storeUrl: storeFlag(values) };
}

/** --store URL (checked), or null; refused beside --db, which names the other kind of store. */
function storeFlag(values: Record<string, unknown>): string | null {
  if (values.store === undefined) return null;
  if (values.db !== undefined) fail('give --db (this machine) or --store (shared), not both');
  const url = stringFlag(values, 'store', '');
  const problem = storeUrlProblem(url);
  if (problem) fail(problem);
  return url;
}

/**
 * A host name as DNS allows one (RFC 1123): labels of letters, digits and hyphens, not starting
 * or ending with a hyphen, dots between. Looked up at start (tracker-names.ts).
 */
function isHostName(text: string): boolean {
  return (
    text.length <= 253 &&
    text.split('.').every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label))
  );
}

/**
 * One HOST:PORT of --tracker (`whole` is the flag's value, for the message). HOST is an IP
 * address or a host name, looked up at start in the family of --host.
 */
function trackerAddress(text: string, whole: string): { address: string; port: number } {
  const generic = `--tracker must be HOST:PORT such as 127.0.0.1:12345, or several separated by commas (got "${whole}")`;
  const match = /^(.+):(\d+)$/.exec(text);
  if (match === null) {
    // A host alone: say what is missing rather than what the flag looks like.
    const bare = text.replace(/^\[|\]$/g, '');
    if (isIP(bare) !== 0 || (text !== '' && isHostName(text))) {
      const shown = isIP(bare) === 6 ? `[${bare}]` : text;
      fail(
        `--tracker ${text} has no port: give HOST:PORT, such as ${shown}:${defaults.trackerPort} (a tracker's default port)`,
      );
    }
    return fail(generic);
  }
  const host = match[1] === 'localhost' ? '127.0.0.1' : match[1]!;
  // `::1:7781` is itself an IPv6 address (0:0:0:0:0:0:1:7781): where its port starts is a guess.
  if (isIP(host) === 6)
    fail(
      `--tracker: an IPv6 address goes in brackets, as [${host}]:${match[2]}; "${text}" could also be the address ${text} with no port`,
    );
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 0 && !isHostName(host))
    fail(`--tracker ${text}: "${host}" is neither an IP address nor a host name`);
  const port = Number(match[2]);
  if (!(port >= 1 && port <= 65535))
    fail(`--tracker ${text}: port ${match[2]} is out of range (1 to 65535)`);
  return { address: bare, port };
}

/**
 * Every tracker in the family of --host: the node talks to its trackers from its one socket, and
 * an IPv6 socket cannot reach an IPv4 tracker (or the other way round). Without this the node
 * started, sent into the void and said `the tracker did not acknowledge` only on exit.
 */
function checkTrackerFamilies(
  host: string | null,
  trackers: { address: string; port: number }[],
): void {
  // Without --host the first tracker given as an address sets the family.
  const first = trackers.find((tracker) => isIP(tracker.address) !== 0);
  const family = host === null ? (first ? isIP(first.address) : 0) : isIP(host);
  for (const tracker of trackers) {
    const trackerFamily = isIP(tracker.address);
    // A name is looked up in the family of --host.
    if (trackerFamily === family || trackerFamily === 0) continue;
    fail(
      host === null
        ? `--tracker ${formatAddress(first!)} is IPv${family} but ${formatAddress(tracker)} is IPv${trackerFamily}: the node reaches its trackers from one address, so give them in one family`
        : `--tracker ${formatAddress(tracker)} is IPv${trackerFamily} but --host ${host} is IPv${family}: the node reaches its tracker from that address, so give both in one family`,
    );
  }
}

function peerOptions(values: Record<string, unknown>): PeerOptions {
  if (values.id === undefined)
    fail('--id is required: the node id, a positive integer (e.g. --id 3)');
  const tracker = stringFlag(values, 'tracker', `${defaults.trackerHost}:${defaults.trackerPort}`);
  const trackers = tracker.split(',').map((text) => trackerAddress(text.trim(), tracker));
  // The same tracker twice: `moving to 127.0.0.1:1` from 127.0.0.1:1 (found by hand).
  const seen = new Set<string>();
  for (const given of trackers) {
    const shown = formatAddress(given);
    if (seen.has(shown)) fail(`--tracker lists ${shown} twice (got "${tracker}")`);
    seen.add(shown);
  }
  const names = (name: 'seed' | 'download') =>
    ((values[name] as string[] | undefined) ?? []).map((fileName) => {
      const problem = validateFileName(fileName);
      if (problem) fail(`${flagToOption(name)}: ${describeNameError(fileName, problem)}`);
      // --download also takes NAME@PREFIX (one of several files of a name): its form is checked
      // here, so a typo is a usage error before the node starts.
      const target = name === 'download' ? parseDownloadTarget(fileName) : null;
      if (target && !target.ok)
        fail(`${flagToOption(name)}: ${describeTargetError(fileName, target.error)}`);
      return fileName;
    });
  const host = values.host === undefined ? null : hostFlag(values, 'host', defaults.trackerHost);
  checkTrackerFamilies(host, trackers);
  return {
    nodeId: integerFlag(values, 'id', 0, 1, 2 ** 32 - 1),
    trackers,
    host,
    port: integerFlag(values, 'port', 0, 0, 65535),
    filesDir: stringFlag(values, 'files', defaults.filesDir),
    logsDir: stringFlag(values, 'logs', defaults.logsDir),
    seed: names('seed'),
    seedAll: values.seedAll === true,
    download: names('download'),
    maxOwners: integerFlag(
      values,
      'maxOwners',
      defaults.maxOwnersPerDownload,
      1,
      MAX_OWNERS_PER_MATCH,
    ),
    maxPeers: integerFlag(values, 'maxPeers', defaults.maxPeersPerDownload, 1, MAX_NEED_EXCLUDE),
    uploadLimitBytesPerSec: rateFlag(values, 'uploadLimit'),
    downloadLimitBytesPerSec: rateFlag(values, 'downloadLimit'),
    blockSizeBytes: integerFlag(
      values,
      'blockSize',
      defaults.blockSizeBytes,
      512,
      MAX_PAYLOAD_BYTES,
    ),
    exitWhenDone: values.exitWhenDone === true,
    seedTimeMs: seedTimeFlag(values),
    headless: values.headless === true,
  };
}

/** The longest --seed-time: a day. Longer is a seeder, which needs no --exit-when-done. */
const MAX_SEED_TIME_SECONDS = 86_400;

function seedTimeFlag(values: Record<string, unknown>): number {
  if (values.seedTime === undefined) return 0;
  const text = stringFlag(values, 'seedTime', '0');
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds <= MAX_SEED_TIME_SECONDS))
    fail(
      `--seed-time must be a number of seconds from 0 to ${MAX_SEED_TIME_SECONDS} (got "${text}")`,
    );
  if (values.exitWhenDone !== true)
    fail('--seed-time needs --exit-when-done: without it the node seeds until you stop it');
  return Math.round(seconds * 1000);
}

function demoOptions(values: Record<string, unknown>): DemoOptions {
  const sizeText = stringFlag(values, 'size', '8,64,256');
  const sizesMiB = sizeText.split(',').map((part) => part.trim());
  if (
    sizesMiB.length > 8 ||
    sizesMiB.some(
      (part) => !/^\d+$/.test(part) || Number(part) < 1 || Number(part) > MAX_DEMO_FILE_MIB,
    )
  ) {
    fail(
      `--size must be up to 8 comma-separated sizes in MiB from 1 to ${MAX_DEMO_FILE_MIB} (got "${sizeText}")`,
    );
  }
  return {
    sizesMiB: sizesMiB.map(Number),
    seeders: integerFlag(values, 'seeders', 3, 1, MAX_DEMO_SEEDERS),
    keep: values.keep === true,
    headless: values.headless === true,
  };
}

/**
 * The real CLI as child processes, from the project root: the build (`dist/cli.js`) when it is
 * newer than every source file, as `npm test` leaves it, else `node --import tsx source/cli.ts`
 * (tsx resolves from the project): nothing stale is tested either way. Every process started
 * here is remembered and killed by its PID in killAll(), whatever the test did.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtIsCurrent } from '../../e2e/harness.ts';
import { waitFor, withTimeout } from './wait.ts';

/** /work/main: three folders up from test/peer/harness. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** How a CLI process ended. */
export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One running `bt-tui` process and its output, line by line. */
export interface CliProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<CliExit>;
  /** Resolves with the first stdout line (seen so far or later) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with how it ended, or rejects after `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<CliExit>;
  /** Sends `signal` to this process (by PID) if it is still running. */
  signal(signal: NodeJS.Signals): void;
}

const running = new Set<CliProcess>();

/**
 * Starts `bt-tui <args>`; with `netns`, inside that network namespace (`ip netns exec` runs the
 * process itself there: its PID is bt-tui's).
 */
export function spawnCli(args: string[], options: { netns?: string } = {}): CliProcess {
  const command = [process.execPath, ...cliEntry(), ...args];
  if (options.netns !== undefined) command.unshift('ip', 'netns', 'exec', options.netns);
  const child = spawn(command[0]!, command.slice(1), {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  collectLines(child.stdout!, stdout);
  collectLines(child.stderr!, stderr);
  let done = false;
  const exited = new Promise<CliExit>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const cli: CliProcess = {
    pid: child.pid!,
    child,
    stdout,
    stderr,
    exited,
    waitForLine: async (pattern, timeoutMs = 20_000) => {
      let found: string | undefined;
      await waitFor(
        () => {
          found = stdout.find((line) => pattern.test(line));
          return found !== undefined || done;
        },
        `a line matching ${pattern} from bt-tui ${args.join(' ')}`,
        timeoutMs,
      );
      if (found === undefined) {
        throw new Error(
          `bt-tui ${args.join(' ')} exited before printing ${pattern}:\n${[...stdout, ...stderr].slice(-15).join('\n')}`,
        );
      }
      return found;
    },
    waitForExit: (timeoutMs = 30_000) =>
      withTimeout(exited, `bt-tui ${args.join(' ')} to exit`, timeoutMs),
    signal: (signal) => {
      if (!done) process.kill(child.pid!, signal);
    },
  };
  running.add(cli);
  void exited.then(() => running.delete(cli));
  return cli;
}

/**
 * How to start the CLI. The build starts in ~0.15 s of CPU against ~0.45 s through tsx, which
 * compiles on the fly in every process: the 21 test files that start it took 238 s against 174 s.
 */
export function cliEntry(): string[] {
  return builtIsCurrent() ? ['dist/cli.js'] : ['--import', 'tsx', 'source/cli.ts'];
}

/** SIGKILLs every CLI process still running (resumed first, in case one was stopped). */
export async function killAll(): Promise<void> {
  const left = [...running];
  for (const cli of left) {
    cli.signal('SIGCONT');
    cli.signal('SIGKILL');
  }
  await Promise.all(left.map((cli) => cli.exited));
}

/**
 * A headless tracker on a free port keeping its database and log under `dir`, and the flags
 * every peer of that swarm shares (`--headless --tracker ... --files DIR/files --logs DIR/logs`).
 */
export async function startCliSwarm(dir: string, trackerFlags: string[] = []) {
  const files = join(dir, 'files');
  const logs = join(dir, 'logs');
  const tracker = spawnCli(
    ['tracker', '--headless', '--port', '0', ...trackerFlags, '--logs', logs].concat([
      '--db',
      join(dir, 'db'),
    ]),
  );
  const common = ['--headless', '--tracker', `127.0.0.1:${await trackerPort(tracker)}`];
  common.push('--files', files, '--logs', logs);
  return { tracker, common, files, logs };
}

/** The port of a tracker started with `--port 0`, read from its "listening" line. */
export async function trackerPort(tracker: CliProcess): Promise<number> {
  const line = await tracker.waitForLine(/tracker listening on 127\.0\.0\.1:\d+/);
  return Number(/127\.0\.0\.1:(\d+)/.exec(line)![1]);
}

function collectLines(stream: NodeJS.ReadableStream, lines: string[]): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  stream.on('end', () => {
    if (partial !== '') lines.push(partial);
  });
}

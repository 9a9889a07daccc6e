/**
 * More of the real world for the peer-view and demo e2e tests: a headless tracker as a child
 * process, log files polled for a line, processes found through /proc (parent PID, command
 * line), a build that two test files cannot run at once, and cleanups that always run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ensureBuilt, ROOT, sleep, stopProcess, TmuxTerminal } from './harness.ts';

/** A build older than this is a lock left by a crashed test run. */
const STALE_LOCK_MS = 120_000;

/**
 * ensureBuilt(), one test process at a time: `npm test` runs test files in parallel, and two
 * `tsc` runs rewriting dist/ under a starting CLI would make it load half-written files.
 */
export async function ensureBuiltOnce(): Promise<void> {
  const lock = join(ROOT, 'dist', '.e2e-build-lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS)
          rmSync(lock, { force: true, recursive: true });
      } catch {}
      await sleep(200);
    }
  }
  try {
    ensureBuilt();
  } finally {
    rmSync(lock, { force: true, recursive: true });
  }
}

/** Steps run in reverse order in `after`, each on its own: one failing does not stop the rest. */
export class Cleanups {
  private readonly steps: Array<() => Promise<void> | void> = [];

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch {
        // Cleaning up the rest matters more than one failed step.
      }
    }
  }
}

/** A test's temp folder: files/node<ID>/ made for `nodeIds`, removed by `cleanups`. */
export interface Workspace {
  dir: string;
  files: string;
  logs: string;
}

export function workspace(cleanups: Cleanups, prefix: string, nodeIds: number[]): Workspace {
  const dir = mkdtempSync(join(tmpdir(), `bt-tui-e2e-${prefix}-`));
  cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
  const files = join(dir, 'files');
  for (const nodeId of nodeIds) mkdirSync(join(files, `node${nodeId}`), { recursive: true });
  return { dir, files, logs: join(dir, 'logs') };
}

/** A headless tracker with its database and log in `ws`, stopped by `cleanups`. */
export function trackerIn(cleanups: Cleanups, ws: Workspace, port: number, sweepSec: number): void {
  const tracker = startTracker(
    { port, sweepSec, dbDir: join(ws.dir, 'db'), logsDir: ws.logs },
    join(ws.dir, 'tracker.out'),
  );
  cleanups.add(() => (tracker.pid ? stopProcess(tracker.pid) : undefined));
}

/** Starts `command` at a shell prompt in a fresh tmux terminal, closed by `cleanups`. */
export async function runInTerminal(
  cleanups: Cleanups,
  terminal: { name: string; columns: number; rows: number; cwd: string },
  command: string,
): Promise<TmuxTerminal> {
  const started = TmuxTerminal.start(terminal.name, terminal.columns, terminal.rows, terminal.cwd);
  cleanups.add(() => started.close());
  await started.waitFor('the shell prompt', (s) => s.includes(TmuxTerminal.PROMPT.trim()));
  started.type(command, true);
  return started;
}

/** `bt-tui tracker --headless` as a child process; its output goes to `outputPath`. */
export function startTracker(
  options: { port: number; sweepSec: number; dbDir: string; logsDir: string },
  outputPath: string,
): ChildProcess {
  const output = openSync(outputPath, 'a');
  const child = spawn(
    process.execPath,
    [
      CLI,
      'tracker',
      '--host',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--sweep',
      String(options.sweepSec),
      '--db',
      options.dbDir,
      '--logs',
      options.logsDir,
      '--headless',
    ],
    { cwd: ROOT, stdio: ['ignore', output, output] },
  );
  child.on('error', () => {});
  return child;
}

/** A file's text, or '' while it does not exist. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Polls the text of `path` until `pattern` matches; returns the match. After `timeoutMs` fails
 * with `what` and the file's last lines. The deadline only stops a broken test from hanging.
 */
export async function waitForText(
  path: string,
  pattern: RegExp,
  what: string,
  timeoutMs = 15_000,
): Promise<RegExpMatchArray> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const text = readText(path);
    const match = text.match(pattern);
    if (match) return match;
    if (performance.now() > deadline) {
      const tail = text.trimEnd().split('\n').slice(-15).join('\n');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} in ${path}:\n${tail}`);
    }
    await sleep(50);
  }
}

/** PIDs of every process on the machine (from /proc). */
function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/** The parent PID of `pid`, or null when it is gone. */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return null;
  }
}

/** PIDs of the processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return allPids().filter((candidate) => parentOf(candidate) === pid);
}

/** PIDs (other than this test's) whose command line contains `text`. */
export function pidsWithCommandLine(text: string): number[] {
  return allPids().filter((pid) => {
    if (pid === process.pid) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\u0000', ' ').includes(text);
    } catch {
      return false;
    }
  });
}

/** Sends SIGKILL to `pid` if it exists; for processes this test started (or its children). */
export function killIfRunning(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
}

/**
 * Runs a tmux scenario; if it fails, the error's message gets the terminal's last capture (the
 * screen a person would have seen), unless the message already shows a screen.
 */
export async function withLastCapture(
  captures: () => readonly string[],
  scenario: () => Promise<void>,
): Promise<void> {
  try {
    await scenario();
  } catch (error) {
    const last = captures().at(-1);
    if (error instanceof Error && last !== undefined && !error.message.includes('screen:')) {
      error.message += `\nlast capture:\n${last}`;
    }
    throw error;
  }
}

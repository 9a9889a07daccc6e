import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Lines kept per process: enough to find a late `done` line, bounded for chatty seeders. */
const MAX_LINES_KEPT = 2_000;

/** How a tracked process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child we started: its pid (also its process group id), its output lines, its end. */
export interface TrackedProcess {
  readonly label: string;
  readonly pid: number;
  /** stdout and stderr lines so far, interleaved as they arrived (the newest MAX_LINES_KEPT). */
  readonly lines: string[];
  readonly exited: Promise<ProcessExit>;
  /** Resolves with the first line (past or future) matching `pattern`; rejects on exit or timeout. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  isRunning(): boolean;
}

type LineListener = (line: string) => void;

/**
 * Every process a bench starts, tracked by pid. Each child leads its own process group
 * (detached), so stopping it also stops what it started (`/usr/bin/time`'s child) and a
 * Ctrl+C on the bench does not reach it first: the bench decides the order of shutdown.
 */
export class ProcessGroup {
  private readonly running = new Map<number, TrackedProcess>();

  /** Starts `command args` with piped output, tracked until it exits. */
  spawn(label: string, command: string, args: string[], cwd?: string): TrackedProcess {
    const child = spawn(command, args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${label}: could not start ${command}`);
    const tracked = this.track(label, pid, child);
    this.running.set(pid, tracked);
    void tracked.exited.then(() => this.running.delete(pid));
    return tracked;
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it exited. */
  async stop(tracked: TrackedProcess, graceMs = 3_000): Promise<ProcessExit> {
    if (!tracked.isRunning()) return tracked.exited;
    signalGroup(tracked.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(tracked.pid, 'SIGKILL'), graceMs);
    const exit = await tracked.exited;
    clearTimeout(timer);
    return exit;
  }

  /** Stops every process still running, all at once. */
  async stopAll(graceMs = 3_000): Promise<void> {
    await Promise.all([...this.running.values()].map((tracked) => this.stop(tracked, graceMs)));
  }

  /** Last resort on process exit (no await possible): SIGKILL every group still running. */
  killAllNow(): void {
    for (const pid of this.running.keys()) signalGroup(pid, 'SIGKILL');
  }

  private track(label: string, pid: number, child: ChildProcess): TrackedProcess {
    const lines: string[] = [];
    const listeners = new Set<LineListener>();
    let running = true;
    const onLine = (line: string) => {
      lines.push(line);
      if (lines.length > MAX_LINES_KEPT) lines.shift();
      for (const listener of listeners) listener(line);
    };
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
    }
    const exited = new Promise<ProcessExit>((resolve) => {
      child.on('error', () => {
        running = false;
        resolve({ code: null, signal: null });
      });
      // 'close' waits for the output streams, so every line is in `lines` by then.
      child.on('close', (code, signal) => {
        running = false;
        resolve({ code, signal });
      });
    });
    const waitForLine = (pattern: RegExp, timeoutMs: number) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        for (const line of lines) {
          const match = pattern.exec(line);
          if (match) return resolve(match);
        }
        const finish = (outcome: () => void) => {
          clearTimeout(timer);
          listeners.delete(listener);
          outcome();
        };
        const listener: LineListener = (line) => {
          const match = pattern.exec(line);
          if (match) finish(() => resolve(match));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`${label}: no line ${pattern} in ${timeoutMs} ms`))),
          timeoutMs,
        );
        listeners.add(listener);
        void exited.then((exit) =>
          finish(() =>
            reject(new Error(`${label} exited (${describeExit(exit)}) before a line ${pattern}`)),
          ),
        );
      });
    return { label, pid, lines, exited, waitForLine, isRunning: () => running };
  }
}

/** `code 0` or `signal SIGTERM`, for messages. */
export function describeExit(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone: nothing to stop.
  }
}

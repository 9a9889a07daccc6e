import { type ChildProcess, spawn } from 'node:child_process';
import { EXIT_WITH_PARENT_ENV } from '../cli/shutdown.ts';

/**
 * Child processes the demo started, stopped however the demo ends: politely (SIGTERM, so a
 * seeder says EXIT to the tracker) on a normal exit, with SIGKILL from the process 'exit' hook
 * if the demo dies of an error, and by themselves when it is killed outright (their stdin
 * ends): until 2026-12-07 a demo killed with SIGKILL left its seeders running for good (found
 * by a session).
 */
export class ChildProcesses {
  private readonly children = new Set<ChildProcess>();
  private readonly killAll = () => {
    for (const child of this.children) child.kill('SIGKILL');
  };

  constructor() {
    process.once('exit', this.killAll);
  }

  /** Starts this same bt-tui program with `args`; its stderr is kept for error messages. */
  startBtTui(args: string[]): ChildProcess {
    const script = process.argv[1]!;
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, [EXIT_WITH_PARENT_ENV]: '1' },
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** SIGTERM to every child, then SIGKILL to any still running after `graceMs`. */
  async stopAll(graceMs = 2_000): Promise<void> {
    const running = [...this.children];
    await Promise.all(
      running.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    process.off('exit', this.killAll);
  }
}

import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Child processes the demo started, stopped however the demo ends: politely (SIGTERM, so a
 * seeder says EXIT to the tracker) on a normal exit, and with SIGKILL from the process 'exit'
 * hook if the demo dies, so no seeder outlives it.
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
      stdio: ['ignore', 'ignore', 'pipe'],
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

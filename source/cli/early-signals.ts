/**
 * Shutdown signals that come while a command is still starting.
 *
 * Why: a command handles SIGINT, SIGTERM and SIGHUP (shutdown.ts) only once it has loaded its
 * modules and opened what it runs, ~0.2 s into a headless peer on the 2-core VM and more under
 * load. A signal before that (a script's `timeout`, a service manager stopping a unit it just
 * started, Ctrl+C right after Enter) found no handler, and Node's default killed the process:
 * no EXIT to the tracker, exit status 143. The entry traps them from its first line; the command
 * takes the first one over when it installs its own handling, and shuts down at once, as for a
 * signal a moment later. A second signal while still trapped kills at once (the default): a
 * start that hangs, e.g. on a store that does not answer, can still be interrupted.
 */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

let trapped = false;
let received: NodeJS.Signals | null = null;

function note(signal: NodeJS.Signals): void {
  if (received === null) {
    received = signal;
    return;
  }
  stopTrapping();
  process.kill(process.pid, signal);
}

function stopTrapping(): void {
  trapped = false;
  for (const name of SHUTDOWN_SIGNALS) process.off(name, note);
}

/** From now on a shutdown signal is remembered instead of killing the process. */
export function trapEarlySignals(): void {
  if (trapped) return;
  trapped = true;
  for (const name of SHUTDOWN_SIGNALS) process.on(name, note);
}

/** Stops trapping; returns the signal that came meanwhile, if one did (the caller acts on it). */
export function takeEarlySignal(): NodeJS.Signals | null {
  if (!trapped) return null;
  stopTrapping();
  const signal = received;
  received = null;
  return signal;
}

/** For a command that does not handle shutdown: stops trapping, and dies of a signal that came. */
export function releaseEarlySignals(): void {
  const signal = takeEarlySignal();
  if (signal !== null) process.kill(process.pid, signal);
}

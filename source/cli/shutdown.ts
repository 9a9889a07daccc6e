import { forgetTerminal } from '../terminal-gone.ts';
import { SHUTDOWN_SIGNALS, takeEarlySignal } from './early-signals.ts';

/**
 * Set in the environment of a demo's seeder: it leaves (as on SIGTERM) once its stdin, a pipe
 * from the demo, ends, which the kernel does when the demo dies, even of SIGKILL.
 */
export const EXIT_WITH_PARENT_ENV = 'BT_TUI_EXIT_WITH_PARENT';

/**
 * Resolves on the first SIGINT, SIGTERM or SIGHUP, so a command can shut down cleanly (EXIT to
 * the tracker, the store flushed) and exit 0.
 *
 * SIGHUP is the terminal going away. Node's default for it is to die at once (Node resets even
 * nohup's "ignore"), and a node whose terminal closed said no EXIT, so the tracker held its id
 * for two sweep periods (found by hand: a view killed with its tmux session, and the same id
 * from a fresh folder refused as `in use`).
 */
export function onShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const withParent = process.env[EXIT_WITH_PARENT_ENV] === '1';
    let done = false;
    const handler = (signal: NodeJS.Signals) => {
      if (done) return;
      done = true;
      for (const name of SHUTDOWN_SIGNALS) process.off(name, handler);
      if (withParent) {
        process.stdin.off('end', parentGone);
        process.stdin.destroy();
      }
      if (signal === 'SIGHUP') forgetTerminal();
      resolve(signal);
    };
    const parentGone = () => handler('SIGTERM');
    // Listening before the early trap lets go: with no listener left for a moment, Node stops
    // watching the signal, and one the kernel had delivered but Node not yet handed over was
    // lost, neither trapped nor handled. A SIGTERM sent the moment a busy node said `listening`
    // was ignored, and the node ran on (found by a test under load).
    for (const name of SHUTDOWN_SIGNALS) process.on(name, handler);
    if (withParent) {
      process.stdin.once('end', parentGone);
      process.stdin.resume();
    }
    // One that came while the command was starting (early-signals.ts): shut down now.
    const early = takeEarlySignal();
    if (early !== null) handler(early);
  });
}

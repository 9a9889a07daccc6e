import { isatty } from 'node:tty';
import { render } from 'ink';
import type { ReactElement } from 'react';
import { forgetTerminal, isTerminalGone } from '../../terminal-gone.ts';
import { enterFullScreen } from './full-screen.ts';

export interface FullScreenRun {
  /** Resolves once the view has been unmounted and the terminal restored. */
  finished: Promise<void>;
  /** Unmounts the view and restores the terminal (quit key, signal). */
  stop(): void;
}

/** Redraws are capped here: engines change many times a second, the eye needs ~10. */
const MAX_FPS = 10;

/**
 * How often a view asks whether its terminal is still there (one ioctl). Why: a view learns that
 * its terminal went away from SIGHUP or from a write that fails, and an idle view writes nothing
 * for minutes while one in a session of its own (`setsid`) gets no SIGHUP: such a view stayed,
 * port and folder held, until its next draw.
 */
const TERMINAL_CHECK_MS = 1_000;

/** How Ink runs a full-screen view (exported so the memory test renders the same way). */
export const FULL_SCREEN_INK_OPTIONS = {
  exitOnCtrlC: false,
  maxFps: MAX_FPS,
  patchConsole: true,
} as const;

/**
 * Renders a full-screen view: alternate screen, Ink with its own Ctrl+C handling off (the view
 * decides what quitting means, e.g. saying EXIT to the tracker first), and the terminal restored
 * on every way out. An uncaught error is shown after the terminal is restored, then rethrown to
 * the caller via `finished`.
 */
export function runFullScreen(
  element: ReactElement,
  onFatal: (error: Error) => void,
): FullScreenRun {
  const screen = enterFullScreen(process.stdout);
  const instance = render(element, FULL_SCREEN_INK_OPTIONS);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    instance.unmount();
    screen.leave();
  };
  // Nothing to restore and nobody to show it to: the command leaves as after a hangup. Ink is
  // unmounted all the same, or `finished` would never come: a render that met the closed
  // terminal before the SIGHUP handler ran left every view waiting for good (found by hand: a
  // tracker view, its tmux session killed while nodes said EXIT, held its port until killed).
  const leaveWithoutTerminal = () => {
    forgetTerminal();
    if (stopped) return;
    stopped = true;
    try {
      instance.unmount();
    } catch {
      // Its last frame cannot be written either: it is unmounted all the same.
    }
  };
  const terminalCheck = setInterval(() => {
    if (!isatty(1)) leaveWithoutTerminal();
  }, TERMINAL_CHECK_MS);
  terminalCheck.unref();
  const crash = (error: unknown) => {
    if (isTerminalGone(error)) {
      leaveWithoutTerminal();
      return;
    }
    stop();
    onFatal(error instanceof Error ? error : new Error(String(error)));
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  const finished = instance.waitUntilExit().then(
    () => stop(),
    (error: unknown) => crash(error),
  );
  return {
    finished: finished.finally(() => {
      clearInterval(terminalCheck);
      process.off('uncaughtException', crash);
      process.off('unhandledRejection', crash);
    }),
    stop,
  };
}

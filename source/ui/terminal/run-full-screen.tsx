import { isatty } from 'node:tty';
import { render, useInput, useStdout } from 'ink';
import { type ReactElement, type ReactNode, useEffect } from 'react';
import { forgetTerminal, isTerminalGone } from '../../terminal-gone.ts';
import { enterFullScreen, type FullScreen } from './full-screen.ts';
import { gatedStdout, guardedStdin, startReading, stopReading } from './gated-terminal.ts';
import { handleSuspend, ownsTerminal, suspendToShell } from './suspend.ts';

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

/** How long after a resize the view is painted again whole: after its new frame is drawn. */
const REPAINT_AFTER_RESIZE_MS = 250;

/** After `fg`: long enough for the SIGWINCH sent then to be handled first. */
const RESUME_REPAINT_MS = 30;

const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/**
 * What every view needs from the terminal beyond Ink: Ctrl+Z, which stops the process as a shell
 * would (suspend.ts) and on `fg` draws the view again on the alternate screen, which comes back
 * empty; and a clean screen after a resize. Ink draws one frame at the old size when the
 * terminal narrows, which wraps, and then erases the frame's lines, not the wrapped ones: the
 * top of the screen kept a line of the old frame (found by hand, after a Ctrl+Z and `fg` in a
 * narrower tmux window). So once the new frame is drawn the screen is cleared and painted whole.
 */
function TerminalKeeper(props: {
  screen: FullScreen;
  stdin: NodeJS.ReadStream;
  /** Stops holding SIGTSTP back (see runFullScreen); true if one came meanwhile. */
  takeEarlyStop: () => boolean;
  children: ReactNode;
}) {
  const { screen, stdin, takeEarlyStop } = props;
  const { stdout, write } = useStdout();
  useInput((input, key) => {
    if (key.ctrl && input === 'z') suspendToShell();
  });
  useEffect(() => {
    let repaintTimer: NodeJS.Timeout | undefined;
    // Ink's write('') clears what it drew, writes nothing, and draws its last frame again.
    const repaintIn = (ms: number) => {
      clearTimeout(repaintTimer);
      repaintTimer = setTimeout(() => {
        stdout.write(CLEAR_SCREEN);
        write('');
      }, ms);
    };
    const onResize = () => repaintIn(REPAINT_AFTER_RESIZE_MS);
    stdout.on('resize', onResize);
    const stopHandlingSuspend = handleSuspend({
      screen,
      setInput: (on) => {
        if (on) startReading(stdin);
        // Cooked first: the shell set its own modes while it had the terminal, and libuv skips
        // a mode it believes set already (a view stopped from elsewhere never set it cooked).
        if (on) stdin.setRawMode(false);
        stdin.setRawMode(on);
        if (!on) stopReading(stdin);
      },
      redraw: () => {
        // A resize while stopped sent its SIGWINCH to the shell, which had the terminal: this
        // one makes Node read the size again (and say 'resize' if it changed, which repaints
        // later, once the view has drawn its frame at the new size).
        process.kill(process.pid, 'SIGWINCH');
        repaintIn(RESUME_REPAINT_MS);
      },
    });
    if (takeEarlyStop()) suspendToShell();
    return () => {
      clearTimeout(repaintTimer);
      stdout.off('resize', onResize);
      stopHandlingSuspend();
    };
  }, [screen, stdin, stdout, write, takeEarlyStop]);
  return props.children;
}

/**
 * Renders a full-screen view: alternate screen, Ink with its own Ctrl+C handling off (the view
 * decides what quitting means, e.g. saying EXIT to the tracker first), Ctrl+Z to the shell and
 * back, and the terminal restored on every way out. An uncaught error is shown after the
 * terminal is restored, then rethrown to the caller via `finished`.
 */
export function runFullScreen(
  element: ReactElement,
  onFatal: (error: Error) => void,
): FullScreenRun {
  // From the alternate screen on until the view handles Ctrl+Z (an effect, after its first frame
  // is out), a SIGTSTP is held back and acted on then: its default action stopped the process on
  // the alternate screen, raw, and the shell printed its prompt there (an e2e test's `kill -TSTP`
  // just after the first frame, on a loaded CI machine).
  let earlyStop = false;
  const holdStop = () => {
    earlyStop = true;
  };
  process.on('SIGTSTP', holdStop);
  const takeEarlyStop = () => {
    process.off('SIGTSTP', holdStop);
    const came = earlyStop;
    earlyStop = false;
    return came;
  };
  const screen = enterFullScreen(process.stdout);
  const stdin = guardedStdin(process.stdin, ownsTerminal);
  const instance = render(
    <TerminalKeeper screen={screen} stdin={stdin} takeEarlyStop={takeEarlyStop}>
      {element}
    </TerminalKeeper>,
    {
      ...FULL_SCREEN_INK_OPTIONS,
      stdout: gatedStdout(process.stdout, screen.isShown),
      stdin,
    },
  );
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    takeEarlyStop();
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

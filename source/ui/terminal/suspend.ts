/**
 * Ctrl+Z for a full-screen view, as vim, less and htop have it. In raw mode the terminal hands
 * Ctrl+Z to the program as a key instead of stopping it, so the view stops itself: the shell's
 * screen and line discipline given back, the process stopped (SIGTSTP's default action), and on
 * `fg` (SIGCONT) the view's screen entered again and drawn whole. A SIGTSTP sent from elsewhere
 * (`kill -TSTP`) takes the same path, so the terminal is never left raw under the shell.
 *
 * Continued in the background (`bg`, or bash's `kill %1`, which sends SIGTERM then SIGCONT), a
 * view must not touch the terminal: changing its mode from a background process group stops the
 * process again (SIGTTOU), so a view told to quit would stay stopped, never saying EXIT. It runs
 * on off screen (a node in the background keeps serving), its output dropped and its terminal
 * not read (gated-terminal.ts), until a `fg` gives it the terminal.
 */
import { procStatFields } from '../../net/proc-text.ts';
import type { FullScreen } from './full-screen.ts';

/** How often a view running in the background looks whether a `fg` gave it the terminal. */
const FOREGROUND_CHECK_MS = 250;

/** What a suspended view needs to give the terminal back and take it again. */
export interface SuspendTarget {
  screen: FullScreen;
  /**
   * Keys on (raw mode, the terminal read) or off (cooked mode, not read: a background process
   * that reads its terminal is stopped). Raw mode changes only while this process has the
   * terminal.
   */
  setInput(on: boolean): void;
  /** Draws the whole view again (the alternate screen comes back empty). */
  redraw(): void;
}

/**
 * Stops this process as a shell's Ctrl+Z would; the view's SIGTSTP handler does the rest. Where
 * no shell could continue it (see canSuspend) nothing is stopped: the terminal's bell says so.
 */
export function suspendToShell(): void {
  if (canSuspend()) process.kill(process.pid, 'SIGTSTP');
  else process.stdout.write(BELL);
}

const BELL = '\u0007';

/**
 * Whether a stop signal would stop this process: its process group is not orphaned, i.e. some
 * ancestor outside the group is in the same session (a job-control shell, which can `fg` it).
 * Started by `tmux new-window CMD`, `ssh -t host CMD` or `xterm -e CMD`, nothing is: the kernel
 * discards SIGTSTP, and the view, its screen given back, waited blank for a SIGCONT that never
 * came (found by a session). True where /proc is missing.
 */
export function canSuspend(): boolean {
  const own = procStatFields('self');
  if (own === null) return true;
  const [pgrp, session] = [own[2], own[3]];
  let parent = Number(own[1]);
  // Up through the ancestors in this group (npm, then the `sh` it runs, then bt-tui).
  for (let depth = 0; depth < 64 && parent > 1; depth++) {
    const fields = procStatFields(parent);
    if (fields === null) return true;
    if (fields[2] !== pgrp) return fields[3] === session;
    parent = Number(fields[1]);
  }
  return false;
}

/**
 * Whether this process's group is the terminal's foreground group (Linux: pgrp and tpgid of
 * /proc/self/stat), i.e. may change its modes without being stopped. True where /proc is missing.
 */
export function ownsTerminal(): boolean {
  const fields = procStatFields('self');
  // state, ppid, pgrp, session, tty_nr, tpgid, ...
  return fields === null || fields[2] === fields[5];
}

/**
 * Installs the SIGTSTP handler for a running view. Returns its removal, for when the view ends
 * (a view that has ended takes SIGTSTP's default action again).
 */
export function handleSuspend(target: SuspendTarget): () => void {
  let ended = false;
  /** The screen given back and the keys off (onStop, or a stop from elsewhere: see onContinue). */
  let off = false;
  let foregroundCheck: NodeJS.Timeout | undefined;
  const listen = () => {
    process.off('SIGTSTP', onStop);
    process.on('SIGTSTP', onStop);
    process.off('SIGCONT', onContinue);
    process.once('SIGCONT', onContinue);
  };
  const onContinue = () => {
    if (ended) return;
    listen();
    clearInterval(foregroundCheck);
    foregroundCheck = undefined;
    if (ownsTerminal()) {
      takeTerminal();
      return;
    }
    // Stopped from elsewhere (`kill -STOP`, which no handler sees), the view held the terminal
    // raw and read it when the shell took it: continued, the first key typed in the shell stopped
    // it again (SIGTTIN) and the `fg` after found the terminal cooked, the view deaf to keys
    // (found by a session). It gives them up now, as onStop would have.
    if (!off) {
      off = true;
      target.screen.pause();
      target.setInput(false);
    }
    // In the background: off screen until a `fg`. bash sends no SIGCONT to a job that runs
    // (`bg` first, `fg` later), so the view looks for itself.
    foregroundCheck = setInterval(() => {
      if (!ownsTerminal()) return;
      clearInterval(foregroundCheck);
      foregroundCheck = undefined;
      takeTerminal();
    }, FOREGROUND_CHECK_MS);
    foregroundCheck.unref();
  };
  const takeTerminal = () => {
    off = false;
    target.setInput(true);
    target.screen.resume();
    target.redraw();
  };
  function onStop() {
    // Nothing would stop it (see canSuspend): the view stays as it is.
    if (!canSuspend()) return;
    clearInterval(foregroundCheck);
    foregroundCheck = undefined;
    off = true;
    target.screen.pause();
    target.setInput(false);
    // With no listener left, Node gives SIGTSTP back its default action, which stops us.
    process.off('SIGTSTP', onStop);
    process.off('SIGCONT', onContinue);
    process.once('SIGCONT', onContinue);
    process.kill(process.pid, 'SIGTSTP');
  }
  listen();
  return () => {
    ended = true;
    clearInterval(foregroundCheck);
    process.off('SIGTSTP', onStop);
    process.off('SIGCONT', onContinue);
  };
}

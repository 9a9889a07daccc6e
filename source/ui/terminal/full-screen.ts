/**
 * The alternate screen buffer, entered and left by hand: Ink 6 has no option for it. Leaving is
 * idempotent and synchronous, so every exit path (q, Ctrl+C, SIGTERM, a crash, process exit)
 * can call it and the user's terminal always comes back as it was.
 */
import { writeSync } from 'node:fs';

/** With bracketed paste on, so that a paste is told from keys (see PasteReader). */
const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h\x1b[H\x1b[2J\x1b[?2004h';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?2004l\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

export interface FullScreen {
  /** Restores the terminal; safe to call any number of times. */
  leave(): void;
  /** Gives the shell its screen back for a while (Ctrl+Z); `resume()` takes it again. */
  pause(): void;
  /** Enters the alternate screen again after `pause()`, empty; a no-op once left. */
  resume(): void;
  /** Whether the view's screen is the one shown: entered, not paused, not left. */
  isShown(): boolean;
}

/** Switches `stdout` (a TTY) to the alternate screen and hides the cursor. */
export function enterFullScreen(stdout: NodeJS.WriteStream): FullScreen {
  let left = false;
  let shown = true;
  stdout.write(ENTER_ALTERNATE_SCREEN + HIDE_CURSOR);
  // Synchronous: this may run inside process.on('exit'), where async writes are lost, or just
  // before the process stops itself (Ctrl+Z).
  const write = (text: string) => {
    const fd = (stdout as { fd?: number }).fd;
    try {
      if (fd === undefined) stdout.write(text);
      else writeSync(fd, text);
    } catch {
      stdout.write(text);
    }
  };
  const pause = () => {
    if (left || !shown) return;
    shown = false;
    write(SHOW_CURSOR + LEAVE_ALTERNATE_SCREEN);
  };
  const resume = () => {
    if (left || shown) return;
    shown = true;
    write(ENTER_ALTERNATE_SCREEN + HIDE_CURSOR);
  };
  const leave = () => {
    if (left) return;
    pause();
    left = true;
  };
  process.once('exit', leave);
  return { leave, pause, resume, isShown: () => shown };
}

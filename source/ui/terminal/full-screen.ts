/**
 * The alternate screen buffer, entered and left by hand: Ink 6 has no option for it. Leaving is
 * idempotent and synchronous, so every exit path (q, Ctrl+C, SIGTERM, a crash, process exit)
 * can call it and the user's terminal always comes back as it was.
 */
import { writeSync } from 'node:fs';

const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h\x1b[H\x1b[2J';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

export interface FullScreen {
  /** Restores the terminal; safe to call any number of times. */
  leave(): void;
}

/** Switches `stdout` (a TTY) to the alternate screen and hides the cursor. */
export function enterFullScreen(stdout: NodeJS.WriteStream): FullScreen {
  let active = true;
  stdout.write(ENTER_ALTERNATE_SCREEN + HIDE_CURSOR);
  const leave = () => {
    if (!active) return;
    active = false;
    // Synchronous: this may run inside process.on('exit'), where async writes are lost.
    const fd = (stdout as { fd?: number }).fd ?? 1;
    try {
      writeSync(fd, SHOW_CURSOR + LEAVE_ALTERNATE_SCREEN);
    } catch {
      stdout.write(SHOW_CURSOR + LEAVE_ALTERNATE_SCREEN);
    }
  };
  process.once('exit', leave);
  return { leave };
}

/**
 * When the terminal goes away under a running command (its window closed, an SSH session
 * dropped, `tmux kill-session`): what is left to do is leave cleanly without it.
 */
import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

let forgotten = false;

/**
 * The terminal is gone: stop using it. A shell relays its hangup to its jobs, so a second
 * SIGHUP comes while the command is leaving: ignored, or it would kill a node before its EXIT.
 * Writes to the terminal fail (EIO): ignored. And at exit Node restores the terminal modes it
 * saved at start, and on Node 20 aborts when that fails (nodejs/node#51519: a core dump
 * instead of exit 0); it skips descriptors that are closed, so stdio is closed last thing.
 */
export function forgetTerminal(): void {
  if (forgotten) return;
  forgotten = true;
  process.on('SIGHUP', ignore);
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
  process.once('exit', closeStdio);
}

/**
 * True when `error` is a write to this process's terminal after the terminal went away (EIO,
 * and stdout no longer a terminal): the end of a session, not a bug. A command learns of it
 * this way when a later SIGTERM, not SIGHUP, ends it (a shell that ignored the hangup).
 */
export function isTerminalGone(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EIO' && !isatty(1);
}

function closeStdio(): void {
  for (const fd of [0, 1, 2]) {
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing to restore there either.
    }
  }
}

function ignore(): void {}

/**
 * Standard output that goes away under a running command: a pipe whose reader quit
 * (`bt-tui tracker --headless | head -1`: EPIPE) or a full disk (`> /dev/full`: ENOSPC). Node
 * raised the error on process.stdout with nobody listening: a stack trace, and the tracker or
 * the download ended with it (found by a session). What a peer or a tracker prints is in its
 * log file too, so it goes on without stdout, having said so once on stderr.
 */

let goneBecause: string | null = null;

/** Listens for stdout's end; `onGone` is told why, once. */
export function watchStdout(onGone: (reason: string) => void): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (goneBecause !== null) return;
    goneBecause = error.code ?? error.message;
    onGone(goneBecause);
  });
  // Where stderr is gone as well, what is said there is lost: no stack trace for it either.
  process.stderr.on('error', () => {});
}

/** True once stdout has failed: lines for it are dropped instead of written. */
export function stdoutGone(): boolean {
  return goneBecause !== null;
}

/** Says on stderr that stdout is gone and where the lines go on (`logPath`). */
export function sayStdoutGone(reason: string, logPath: string): void {
  process.stderr.write(
    `bt-tui: standard output is gone (${reason}); the lines go on in ${logPath} only\n`,
  );
}

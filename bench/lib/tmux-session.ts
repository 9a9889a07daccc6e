/**
 * A real terminal for a full-screen view: one session on a private tmux server (its own socket,
 * so a developer's tmux is never touched), running one command with `exec`, so the pane's PID is
 * the command's own PID and /proc measures the view itself, not a shell.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

export class TmuxSession {
  /** The server's socket file, removed by close(). */
  private socketPath = '';

  private constructor(
    private readonly socket: string,
    readonly name: string,
  ) {}

  /** Starts `argv` in a detached `columns` x `rows` terminal in `cwd`. */
  static start(
    name: string,
    argv: readonly string[],
    options: { cwd: string; columns: number; rows: number },
  ): TmuxSession {
    const session = new TmuxSession(`bt-soak-${process.pid}-${name}`, name);
    const command = `exec ${argv.map(shellQuote).join(' ')}`;
    session.tmux([
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      String(options.columns),
      '-y',
      String(options.rows),
      '-c',
      options.cwd,
      command,
    ]);
    session.socketPath = session.tmux(['display-message', '-p', '#{socket_path}']).trim();
    // A view that crashes leaves its last screen (the error) readable instead of vanishing.
    session.run(['set-option', '-t', name, 'remain-on-exit', 'on']);
    return session;
  }

  /** Whether the command in the pane has exited (the pane stays, showing its last screen). */
  exited(): boolean {
    const result = this.run(['display-message', '-p', '-t', this.name, '#{pane_dead}']);
    return result.status !== 0 || result.stdout.trim() === '1';
  }

  /** PID of the command in the pane (tmux exec'd it); null once the pane is gone. */
  panePid(): number | null {
    const result = this.run(['display-message', '-p', '-t', this.name, '#{pane_pid}']);
    const pid = Number(result.stdout.trim());
    return result.status === 0 && Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  }

  /** The visible screen as text ('' once the session is gone). */
  capture(): string {
    const result = this.run(['capture-pane', '-p', '-t', this.name]);
    return result.status === 0 ? result.stdout : '';
  }

  /** Types a key as tmux names it (`q`, `Enter`, `C-c`). */
  sendKey(key: string): void {
    this.run(['send-keys', '-t', this.name, key]);
  }

  /** Ends this tmux server (and whatever still runs in it) and removes its socket file. */
  close(): void {
    this.run(['kill-server']);
    if (this.socketPath.endsWith(this.socket)) rmSync(this.socketPath, { force: true });
  }

  private tmux(args: string[]): string {
    const result = this.run(args);
    if (result.status !== 0)
      throw new Error(`tmux ${args.join(' ')} failed: ${result.stderr.trim()}`);
    return result.stdout;
  }

  private run(args: string[]) {
    return spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
}

/** Whether tmux can run here. */
export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
}

/** One word for `sh -c`: single-quoted, inner quotes escaped. */
function shellQuote(word: string): string {
  return /^[\w./:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

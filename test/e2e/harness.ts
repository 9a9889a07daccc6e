/**
 * The real binary in a real terminal: a private tmux server (its own socket, so a developer's
 * tmux sessions are never touched), the built CLI, child processes killed by PID only.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/e2e/harness.ts). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built CLI that `npm run build` writes. */
export const CLI = join(ROOT, 'dist', 'cli.js');

/** Why the e2e tests cannot run here, or null when tmux answers `tmux -V`. */
export function tmuxMissing(): string | null {
  const result = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  return result.status === 0 ? null : 'tmux is not installed (`tmux -V` failed): e2e tests skipped';
}

/** Modification times (ms) of the TypeScript files under `dir`. */
function sourceTimes(dir: string): number[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceTimes(path);
    return /\.tsx?$/.test(entry.name) ? [statSync(path).mtimeMs] : [];
  });
}

/** Whether dist/cli.js exists and no source file is newer. */
export function builtIsCurrent(): boolean {
  return existsSync(CLI) && Math.max(...sourceTimes(join(ROOT, 'source'))) <= statSync(CLI).mtimeMs;
}

/**
 * Runs `npm run build` when dist/ is missing or a source file is newer than the last build
 * (tsc rewrites every output, so dist/cli.js dates the build).
 */
export function ensureBuilt(): void {
  if (builtIsCurrent()) return;
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0)
    throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a process with this PID still exists (a zombie counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL if it is still there after `graceMs`. Only for PIDs we started. */
export async function stopProcess(pid: number, graceMs = 2_000): Promise<void> {
  if (!isRunning(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = performance.now() + graceMs;
  while (isRunning(pid) && performance.now() < deadline) await sleep(50);
  if (isRunning(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

/** The flags of a headless peer of the tracker on `trackerPort` that seeds `file`. */
export function seederArgs(
  nodeId: number,
  trackerPort: number,
  filesDir: string,
  logsDir: string,
  file: string,
): string[] {
  const tracker = `127.0.0.1:${trackerPort}`;
  return [
    '--id',
    String(nodeId),
    '--tracker',
    tracker,
    '--files',
    filesDir,
    '--logs',
    logsDir,
    '--seed',
    file,
  ];
}

/** A headless `bt-tui peer` as a child process; its output goes to `outputPath`. */
export function startPeer(args: string[], outputPath: string): ChildProcess {
  const output = openSync(outputPath, 'a');
  const child = spawn(process.execPath, [CLI, 'peer', ...args, '--headless'], {
    cwd: ROOT,
    stdio: ['ignore', output, output],
  });
  child.on('error', () => {});
  return child;
}

/** A screen that stands this long between two captures is drawn (see waitFor). */
const SETTLE_MS = 25;

/** Table lines must keep both borders: a wrapped or clipped table shows up here. */
const TABLE_CHARS = /[─│┌┐└┘├┤┬┴┼]/;
const WHOLE_TABLE_LINE = /^[┌│├└].*[┐│┤┘]$/;

/** What is wrong with a screen `width` wide: lines too wide, table lines missing a border. */
export function screenProblems(screen: string, width: number): string[] {
  const problems: string[] = [];
  for (const [index, raw] of screen.split('\n').entries()) {
    const line = raw.trimEnd();
    const lineWidth = Array.from(line).length;
    if (lineWidth > width) problems.push(`line ${index} is ${lineWidth} wide: ${line}`);
    if (TABLE_CHARS.test(line) && !WHOLE_TABLE_LINE.test(line))
      problems.push(`line ${index} is a broken table line: ${line}`);
  }
  return problems;
}

/**
 * The problems of each capture that the next capture shows too. Ink writes a frame at once, but
 * the pty hands it to tmux in pieces, so a capture taken mid-frame can show a table line cut
 * short (seen once in CI: `├───────┼────`); the next poll, 50 ms later, shows the whole frame. A
 * layout defect (a wrapped or clipped table) stays from one capture to the next.
 */
export function lastingScreenProblems(captures: readonly string[], width: number): string[] {
  const perCapture = captures.map((capture) => screenProblems(capture, width));
  return perCapture.flatMap((problems, index) => {
    const next = perCapture[index + 1] ?? problems;
    return problems
      .filter((problem) => next.includes(problem))
      .map((problem) => `capture ${index}: ${problem}`);
  });
}

/**
 * One tmux session running bash (no rc files, a fixed prompt) on a private tmux server.
 * Every capture is kept so a test can check all of them and show the last on failure.
 */
export class TmuxTerminal {
  static readonly PROMPT = 'e2e$ ';
  readonly captures: string[] = [];
  private readonly socket: string;

  private constructor(
    readonly name: string,
    readonly width: number,
    readonly height: number,
  ) {
    this.socket = `bt-tui-e2e-${process.pid}-${name}`;
  }

  /** Starts bash in `cwd` in a `width` x `height` terminal. */
  static start(name: string, width: number, height: number, cwd: string): TmuxTerminal {
    const terminal = new TmuxTerminal(name, width, height);
    terminal.tmux([
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      String(width),
      '-y',
      String(height),
      '-c',
      cwd,
      `env PS1='${TmuxTerminal.PROMPT}' bash --norc --noprofile`,
    ]);
    return terminal;
  }

  private tmux(args: string[]): string {
    const result = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`tmux ${args.join(' ')} failed: ${result.stderr.trim()}`);
    return result.stdout;
  }

  /** Types `text` literally (no key names), then Enter if asked. */
  type(text: string, enter = false): void {
    this.tmux(['send-keys', '-t', this.name, '-l', text]);
    if (enter) this.tmux(['send-keys', '-t', this.name, 'Enter']);
  }

  /** Presses keys by tmux's names for them, e.g. `C-z`, `Tab`. */
  press(...keys: string[]): void {
    this.tmux(['send-keys', '-t', this.name, ...keys]);
  }

  /** Resizes the terminal, as a person dragging its window's corner does. */
  resize(width: number, height: number): void {
    this.tmux(['resize-window', '-t', this.name, '-x', String(width), '-y', String(height)]);
  }

  /** The visible screen as text (kept in `captures`). */
  capture(): string {
    const screen = this.tmux(['capture-pane', '-p', '-t', this.name]);
    this.captures.push(screen);
    return screen;
  }

  /** The visible screen with its colours as escape codes. */
  captureStyled(): string {
    return this.tmux(['capture-pane', '-p', '-e', '-t', this.name]);
  }

  /** A tmux pane format variable, e.g. `alternate_on` or `cursor_flag` ('1' or '0'). */
  paneFlag(name: string): string {
    return this.tmux(['display-message', '-p', '-t', this.name, `#{${name}}`]).trim();
  }

  /** PID of the shell in the pane. */
  shellPid(): number {
    return Number(this.tmux(['display-message', '-p', '-t', this.name, '#{pane_pid}']).trim());
  }

  /** PIDs of the shell's children (the command it is running). */
  shellChildren(): number[] {
    const pid = this.shellPid();
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  }

  /**
   * Polls the screen until `ready(screen)` holds on a screen that stands (the same in two
   * captures 25 ms apart); after `timeoutMs` fails with `what` and the last screen. The deadline
   * only stops a broken test from hanging. Standing, because a capture can come while a frame
   * is being drawn: its first rows new, the rest not yet there (a CI run, 2026-12-06).
   */
  async waitFor(
    what: string,
    ready: (screen: string) => boolean,
    timeoutMs = 10_000,
    pollMs = 50,
  ): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const screen = this.capture();
      if (ready(screen)) {
        await sleep(SETTLE_MS);
        if (this.capture() === screen) return screen;
        continue;
      }
      if (performance.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen:\n${screen}`);
      await sleep(pollMs);
    }
  }

  /** Ends this tmux server (and the shell in it) and removes its socket file. */
  close(): void {
    const socketPath = spawnSync(
      'tmux',
      ['-L', this.socket, 'display-message', '-p', '#{socket_path}'],
      {
        encoding: 'utf8',
      },
    ).stdout.trim();
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { encoding: 'utf8' });
    if (socketPath.endsWith(this.socket)) rmSync(socketPath, { force: true });
  }
}

/** The cells of the nodes-table row of `nodeId` (node, address, heartbeat, ...), or null. */
export function nodeRowCells(screen: string, nodeId: number): string[] | null {
  for (const line of screen.split('\n')) {
    const cells = line.split('│').map((cell) => cell.trim());
    // A nodes row has 6 cells between 7 borders; its address cell has a port.
    if (cells.length === 8 && cells[1] === String(nodeId) && /:\d+$/.test(cells[2] ?? ''))
      return cells.slice(1, 7);
  }
  return null;
}

/** The heartbeat status word of `nodeId`'s row (`alive`, `late`, `dropped`), or null. */
export function statusOf(screen: string, nodeId: number): string | null {
  return nodeRowCells(screen, nodeId)?.[2]?.split(' ')[0] ?? null;
}

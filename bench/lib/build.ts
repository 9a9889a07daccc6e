import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/lib/ is two levels down). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The real CLI the benches run, as users run it (compiled, not through tsx). */
export const CLI_PATH = join(REPO_ROOT, 'dist', 'cli.js');

/**
 * Node flags for every bt-tui process a bench starts, from BT_BENCH_NODE_ARGS (space-separated),
 * e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the leecher and the seeders of one run
 * (node refuses --cpu-prof in NODE_OPTIONS).
 */
export const CLI_NODE_ARGS: readonly string[] = (process.env.BT_BENCH_NODE_ARGS ?? '')
  .split(' ')
  .filter((flag) => flag.length > 0);

/**
 * Runs `npm run build` when dist/cli.js is missing or older than any file of source/, so a
 * bench never measures stale code. Throws (with the compiler's output) if the build fails.
 */
export function ensureFreshBuild(): void {
  const builtMs = modifiedMs(CLI_PATH);
  const newestSourceMs = newestModifiedMs(join(REPO_ROOT, 'source'));
  if (builtMs !== null && builtMs >= newestSourceMs) return;
  console.log(builtMs === null ? 'dist/ missing: npm run build' : 'dist/ stale: npm run build');
  try {
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? '';
    throw new Error(`npm run build failed:\n${output}`);
  }
}

function modifiedMs(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

function newestModifiedMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, modifiedMs(join(entry.parentPath, entry.name)) ?? 0);
  }
  return newest;
}

import { execFileSync } from 'node:child_process';

/** Debian package providing each command the aria2 bench needs. */
const ARIA2_PACKAGES: Record<string, string> = {
  aria2c: 'aria2',
  opentracker: 'opentracker',
  mktorrent: 'mktorrent',
};

function isInstalled(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs the Debian packages of the commands in `packageOf` (command -> package) that are
 * missing, as root (`apt-get update` once, then install). Throws with the command to run
 * otherwise.
 */
export function ensureTools(packageOf: Record<string, string>): void {
  const missing = Object.keys(packageOf).filter((command) => !isInstalled(command));
  if (missing.length === 0) return;
  const packages = missing.map((command) => packageOf[command]!);
  const install = `apt-get update && apt-get install -y ${packages.join(' ')}`;
  if (process.getuid?.() !== 0) throw new Error(`missing ${missing.join(', ')}: run ${install}`);
  console.log(`installing ${packages.join(', ')} (missing ${missing.join(', ')})`);
  execFileSync('apt-get', ['update'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', ...packages], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** aria2, opentracker and mktorrent, for the comparison benches. */
export function ensureAria2Tools(): void {
  ensureTools(ARIA2_PACKAGES);
}

/** `aria2c 1.36.0, opentracker (Debian 0.0~git…)`: the versions a comparison was made with. */
export function describeAria2Tools(): string {
  const aria2 = firstLine('aria2c', ['--version']).replace(/^aria2 version /, 'aria2c ');
  const opentracker = dpkgVersion('opentracker');
  const mktorrent = dpkgVersion('mktorrent');
  return `${aria2}, opentracker ${opentracker}, mktorrent ${mktorrent}`;
}

function firstLine(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).split('\n')[0] ?? '';
  } catch {
    return `${command} (version unknown)`;
  }
}

/** dpkg-query's format for the version field: a literal `${Version}`, not a JS placeholder. */
const DPKG_VERSION_FORMAT = `-f=$\{Version}`;

function dpkgVersion(name: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', DPKG_VERSION_FORMAT, name], { encoding: 'utf8' });
  } catch {
    return '(version unknown)';
  }
}

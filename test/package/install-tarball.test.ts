/**
 * Issue 8, packaging: `npm pack` gives a tarball that installs into a fresh prefix and runs
 * from any folder, with the built files in it and the tests and benches not.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'bt-tui-pack-'));
after(() => rmSync(work, { recursive: true, force: true }));

const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });

test('the packed tarball installs into a temporary prefix and bt-tui --help runs', () => {
  assert.ok(existsSync(join(root, 'dist', 'cli.js')), 'dist/ is built (npm install runs prepare)');
  // --ignore-scripts: pack what npm install built, without rebuilding dist/ under other tests.
  const tarball = run(
    'npm',
    ['pack', '--ignore-scripts', '--silent', '--pack-destination', work],
    root,
  ).trim();
  const files = run('tar', ['tzf', join(work, tarball)], work).split('\n');
  assert.ok(files.includes('package/dist/cli.js'), 'the built CLI is in the package');
  assert.deepEqual(
    files.filter((file) => /^package\/(test|bench|source|node_files|logs|tracker_db)\//.test(file)),
    [],
    'no tests, benches, sources or data folders in the package',
  );

  const prefix = join(work, 'prefix');
  // Dependencies come from the npm cache that `npm ci` filled: no network needed.
  run(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(work, tarball),
    ],
    work,
  );
  // The install script builds the addons from native/: batched UDP (Linux: recvmmsg, sendmmsg)
  // and CRC-32 by carry-less multiplication.
  if (process.platform === 'linux') {
    const release = join(prefix, 'lib', 'node_modules', 'bt-tui', 'build', 'Release');
    for (const addon of ['udp_batch', 'crc32_clmul']) {
      assert.ok(
        existsSync(join(release, `${addon}.node`)),
        `the ${addon} addon was built on install`,
      );
    }
  }
  const bin = join(prefix, 'bin', 'bt-tui');
  const elsewhere = mkdtempSync(join(work, 'cwd-'));
  assert.match(run(bin, ['--help'], elsewhere), /\$ bt-tui demo \[flags\]/);
  const version = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
  ).version;
  assert.equal(run(bin, ['--version'], elsewhere).trim(), version);
});

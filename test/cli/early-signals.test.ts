/**
 * A shutdown signal that comes while a command is still starting (early-signals.ts) is kept and
 * acted on once the command handles shutdown, instead of killing the process by Node's default;
 * a second one still kills at once. Real signals, sent to a real child process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./fixtures/early-signal-child.ts', import.meta.url));

function runChild(...signals: string[]) {
  const ran = spawnSync(process.execPath, ['--import', 'tsx', CHILD, ...signals], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: ran.status, signal: ran.signal, stdout: ran.stdout.trim() };
}

test('a SIGTERM, SIGINT or SIGHUP during start-up is taken up by the shutdown handling', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    assert.deepEqual(
      runChild(signal),
      { status: 0, signal: null, stdout: `shut down on ${signal}` },
      signal,
    );
  }
});

test('without a signal nothing is taken up: the command waits for one as before', () => {
  assert.deepEqual(runChild(), { status: 0, signal: null, stdout: 'shut down on none within 2 s' });
});

test('a second signal during start-up kills at once, as Node does by default', () => {
  assert.deepEqual(runChild('SIGINT', 'SIGTERM'), { status: null, signal: 'SIGTERM', stdout: '' });
});

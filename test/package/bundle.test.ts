/**
 * What scripts/build.mjs leaves out of every process's start: meow's package-data normalizer runs
 * only when called, and nothing but the demo loads node:child_process.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const dist = join(import.meta.dirname, '..', '..', 'dist');
const chunks = readdirSync(dist)
  .filter((name) => name.endsWith('.js'))
  .map((name) => ({ name, text: readFileSync(join(dist, name), 'utf8') }));

test("meow's normalize-package-data is built on first use, not at import", () => {
  const meow = chunks.filter(({ text }) =>
    text.includes('node_modules/meow/build/dependencies.js'),
  );
  assert.equal(meow.length, 1, 'meow is bundled into one chunk');
  const text = meow[0]!.text;
  assert.ok(text.includes('function requireNormalize()'), 'the normalizer is still bundled');
  assert.doesNotMatch(text, /^var normalizeExports = requireNormalize\(\);$/m);
  assert.match(
    text,
    /^var normalizePackageData = \(\.\.\.args\) => getDefaultExportFromCjs\(requireNormalize\(\)\)\(\.\.\.args\);$/m,
  );
});

test('only the demo imports node:child_process', () => {
  const importers = chunks
    .filter(({ text }) => /from "(node:)?child_process"/.test(text))
    .map(({ name }) => name.replace(/-[A-Z0-9]{8}\.js$/, ''));
  assert.deepEqual(importers, ['run-demo']);
});

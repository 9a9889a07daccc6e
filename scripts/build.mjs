#!/usr/bin/env node
/**
 * `npm run build`: dist/ from source/, bundled by esbuild into a few files (the entry, one file
 * per command's own modules, shared chunks), types checked separately by `npm run typecheck`.
 *
 * Why a bundle and not tsc's one file per module: every process starts by loading its modules,
 * and Node's ESM loader resolves, reads and links each of ~80 files one by one. Bundled, a
 * headless peer reaches its tracker with ~45 ms less CPU (median 0.26 against 0.31 core-s on the
 * 2-core VM, five interleaved rounds of six peers each; README, Packaging), which every command
 * and every process of a swarm pays once.
 *
 * Left as packages: chalk (Ink colours through the same instance, and NO_COLOR sets its level),
 * ink, react and the Ink table (only the full-screen views load them; React must be one
 * instance), lmdb (a native binary) and ioredis (only a tracker loads them). Every chunk lands in
 * dist/ itself: the code finds package.json and build/Release one level up from its own file.
 */
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['source/cli.ts'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['chalk', 'ink', 'react', '@alcalzone/ink-table', 'lmdb', 'ioredis'],
  logLevel: 'warning',
  plugins: [meowWithoutEagerWork()],
});

/**
 * meow's bundled dependencies run two things at import that bt-tui never uses, and every process
 * pays for them before it parses its first flag: normalize-package-data built at module scope
 * (its SPDX licence tables sorted with localeCompare, which starts ICU's collator), only ever
 * called when a caller reads `cli.pkg` (bt-tui does not), and a `promisify(execFile)` whose result
 * is dropped but which loads node:child_process. Here the first is built on first use and the
 * second is gone. Measured on the 2-core VM (README, Packaging): `bt-tui --version` 156 -> 134 ms
 * of CPU, a headless peer's start 216 -> 202 ms. If meow's text changes, the build warns and goes
 * on without that edit (a slower start, the same behaviour).
 */
function meowWithoutEagerWork() {
  const edits = [
    [
      'var normalizeExports = requireNormalize();\nconst normalizePackageData = getDefaultExportFromCjs(normalizeExports);',
      'const normalizePackageData = (...args) => getDefaultExportFromCjs(requireNormalize())(...args);',
    ],
    ['promisify(execFile);\n', ''],
  ];
  return {
    name: 'meow-without-eager-work',
    setup(build) {
      build.onLoad({ filter: /[\\/]meow[\\/]build[\\/]dependencies\.js$/ }, ({ path }) => {
        let contents = readFileSync(path, 'utf8');
        const warnings = [];
        for (const [eager, lazy] of edits) {
          if (contents.includes(eager)) contents = contents.replace(eager, lazy);
          else
            warnings.push({
              text: `meow changed: not found, left as it is: ${eager.split('\n')[0]}`,
            });
        }
        return { contents, loader: 'js', warnings };
      });
    },
  };
}

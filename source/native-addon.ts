import { createRequire } from 'node:module';

/**
 * One of bt-tui's small C addons (native/*.c), built into build/Release by `npm ci` through
 * node-gyp, or why it cannot be used. Each caller has a JavaScript path for when it is not built.
 */
export function loadNativeAddon<T>(name: string): { addon: T } | { why: string } {
  try {
    // source/ and dist/ are both one level below the package root.
    const path = new URL(`../build/Release/${name}.node`, import.meta.url).pathname;
    return { addon: createRequire(import.meta.url)(path) as T };
  } catch {
    return { why: `the ${name} addon is not built (npm ci builds it with node-gyp)` };
  }
}

import type { ColorSupportLevel } from 'chalk';

/**
 * Called just before the views (and Ink) are loaded, and only when stdin and stdout are both a
 * terminal: someone is watching. Ink reads CI / CONTINUOUS_INTEGRATION once, at import, and in
 * CI mode renders only the last frame; chalk, read at start, turns colours off under CI. So a
 * view started from a shell that inherited CI=true (a CI job driving tmux, a CI-like developer
 * environment) would show nothing until it exits, and no colours. The terminal decides instead.
 * chalk is first imported here: only a view colours anything, and its import (a colour-support
 * probe) cost every headless peer and tracker ~14 ms of start-up.
 */
export async function prepareFullScreenEnvironment(): Promise<void> {
  selectReactProductionBuild();
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const { default: chalk } = await import('chalk');
  // https://no-color.org wins (chalk 5 does not read it, and Ink colours through chalk);
  // otherwise the terminal's own colour depth (TERM, COLORTERM).
  if (process.env.NO_COLOR) {
    chalk.level = 0;
    return;
  }
  const depth = process.stdout.getColorDepth();
  chalk.level = (depth >= 24 ? 3 : depth >= 8 ? 2 : depth >= 4 ? 1 : 0) as ColorSupportLevel;
}

/**
 * React and its reconciler choose their build from NODE_ENV once, when first loaded, and pick
 * the development build unless it says `production`. That build times every component render
 * into the process-wide performance timeline, where nothing ever clears it, and re-checks every
 * render: an idle peer view grew by ~1 MB/s and used 12-40 % of a core. A view runs for hours,
 * so it always gets the production build, whatever the shell exported. Must run before the first
 * import of react, ink or a view; the engines never read NODE_ENV.
 */
export function selectReactProductionBuild(): void {
  process.env.NODE_ENV = 'production';
}

import { readFileSync } from 'node:fs';
import chalk from 'chalk';
import { parseCommandLine } from './cli/parse-args.ts';
import { runDemo } from './cli/run-demo.ts';
import { runPeer } from './cli/run-peer.ts';
import { runTracker } from './cli/run-tracker.ts';
import { runTrackerExport } from './cli/run-tracker-export.ts';

const packageJson = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

// https://no-color.org: chalk 5 does not read NO_COLOR itself, and Ink colours through chalk.
if (process.env.NO_COLOR) chalk.level = 0;

const parsed = parseCommandLine(process.argv.slice(2), packageJson.version);
switch (parsed.kind) {
  case 'help':
  case 'version':
    console.log(parsed.text);
    break;
  case 'usage-error':
    console.error(`bt-tui: ${parsed.message}`);
    process.exitCode = 2;
    break;
  case 'tracker':
    process.exitCode = await runTracker(parsed.options);
    break;
  case 'tracker-export':
    process.exitCode = await runTrackerExport(parsed.options);
    break;
  case 'demo':
    process.exitCode = await runDemo(parsed.options);
    break;
  case 'peer':
    process.exitCode = await runPeer(parsed.options);
    break;
}

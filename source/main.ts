import { readFileSync } from 'node:fs';
import { releaseEarlySignals } from './cli/early-signals.ts';
import { parseCommandLine } from './cli/parse-args.ts';

const packageJson = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

// Each command loads only its own modules: a headless peer never pays for the tracker's store
// drivers, and `--help` for neither (start-up CPU is part of every download's wall time).
const parsed = parseCommandLine(process.argv.slice(2), packageJson.version);
// Only these commands handle shutdown signals (shutdown.ts); the others die of one as before.
const handlesShutdown = ['tracker', 'demo', 'peer'].includes(parsed.kind);
if (!handlesShutdown) releaseEarlySignals();
switch (parsed.kind) {
  case 'help':
  case 'version':
    console.log(parsed.text);
    break;
  case 'usage-error':
    console.error(`bt-tui: ${parsed.message}`);
    process.exitCode = 2;
    break;
  case 'tracker': {
    const { runTracker } = await import('./cli/run-tracker.ts');
    process.exitCode = await runTracker(parsed.options);
    break;
  }
  case 'tracker-export': {
    const { runTrackerExport } = await import('./cli/run-tracker-export.ts');
    process.exitCode = await runTrackerExport(parsed.options);
    break;
  }
  case 'demo': {
    const { runDemo } = await import('./cli/run-demo.ts');
    process.exitCode = await runDemo(parsed.options);
    break;
  }
  case 'peer': {
    const { runPeer } = await import('./cli/run-peer.ts');
    process.exitCode = await runPeer(parsed.options);
    break;
  }
}

import { join } from 'node:path';
import { DemoSwarm } from '../demo/demo-swarm.ts';
import { sha256OfFile } from '../demo/sample-files.ts';
import { formatSize } from '../format.ts';
import { prepareFullScreenEnvironment } from './full-screen-env.ts';
import type { DemoOptions } from './parse-args.ts';
import { onShutdownSignal } from './shutdown.ts';

/** `bt-tui demo`: a whole swarm in a temporary folder; the peer and tracker views, or headless. */
export async function runDemo(options: DemoOptions): Promise<number> {
  const fullScreen =
    !options.headless && process.stdout.isTTY === true && process.stdin.isTTY === true;
  const say = (text: string) => console.log(`demo: ${text}`);
  let swarm: DemoSwarm;
  try {
    swarm = await DemoSwarm.start({ sizesMiB: options.sizesMiB, seeders: options.seeders, say });
  } catch (error) {
    console.error(`bt-tui: demo could not start: ${(error as Error).message}`);
    return 1;
  }
  say(`swarm ready in ${swarm.folder}`);
  if (fullScreen) await prepareFullScreenEnvironment();
  const code = fullScreen
    ? await (await import('./demo-view.tsx')).runDemoView(swarm)
    : await runDemoHeadless(swarm);
  await swarm.stop(options.keep);
  say(options.keep ? `kept ${swarm.folder}` : `removed ${swarm.folder}`);
  return code;
}

/** Downloads every sample to the viewer's node, one after the other, and checks each SHA-256. */
async function runDemoHeadless(swarm: DemoSwarm): Promise<number> {
  swarm.nodeLog.subscribe(() => {
    const line = swarm.nodeLog.getSnapshot().at(-1);
    if (line) console.log(`${new Date(line.wallMs).toISOString()} ${line.text}`);
  });
  const interrupted = onShutdownSignal().then(() => null);
  const rows: string[] = [];
  let allGood = true;
  for (const sample of swarm.samples) {
    const started = swarm.node.download(sample.name);
    if (!started.ok) {
      rows.push(`${sample.name}: ${started.reason}`);
      allGood = false;
      continue;
    }
    const settled = await Promise.race([swarm.node.whenDownloadsSettled(), interrupted]);
    if (settled === null) return 130;
    const download = settled.find((candidate) => candidate.name === sample.name)!;
    const seconds = (download.finishedAtMs - download.startedAtMs) / 1000;
    const sha =
      download.state === 'done'
        ? await sha256OfFile(join(swarm.node.folder.path, sample.name))
        : '';
    const good = sha === sample.sha256Hex;
    allGood &&= good;
    const rate = good ? `${(sample.sizeBytes / 1024 / 1024 / seconds).toFixed(1)} MiB/s` : '-';
    rows.push(
      `${sample.name.padEnd(22)} ${formatSize(sample.sizeBytes).padStart(10)} ${rate.padStart(14)}  ${good ? `SHA-256 verified ${sha.slice(0, 16)}…` : `FAILED: ${download.reason || 'content differs'}`}`,
    );
  }
  console.log('\nsummary');
  for (const row of rows) console.log(`  ${row}`);
  console.log(allGood ? 'every file is byte-identical' : 'some files did not arrive intact');
  return allGood ? 0 : 1;
}

import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import { defaults } from '../config.ts';
import { Logger } from '../log/logger.ts';
import { PeerNode } from '../peer/peer-node.ts';
import { prepareFullScreenEnvironment } from './full-screen-env.ts';
import type { PeerOptions } from './parse-args.ts';
import { formatProgressLine } from './progress-line.ts';
import { onShutdownSignal } from './shutdown.ts';

const PROGRESS_INTERVAL_MS = 1_000;

/**
 * `bt-tui peer`: the full-screen view on a terminal; with --headless or without a TTY, one
 * line per event and progress at most once a second. Returns the exit code.
 */
export async function runPeer(options: PeerOptions): Promise<number> {
  const fullScreen =
    !options.headless && process.stdout.isTTY === true && process.stdin.isTTY === true;
  const logPath = join(options.logsDir, `node${options.nodeId}.log`);
  const logger = new Logger({
    filePath: logPath,
    clock: systemClock,
    echo: fullScreen ? undefined : (line) => console.log(line),
  });
  const started = await PeerNode.start({
    nodeId: options.nodeId,
    host: options.host,
    port: options.port,
    tracker: { address: options.trackerHost, port: options.trackerPort },
    filesDir: options.filesDir,
    maxOwners: options.maxOwners,
    blockSizeBytes: options.blockSizeBytes,
    giveUpWithoutOwnersMs: options.exitWhenDone ? defaults.giveUpWithoutOwnersMs : null,
    clock: systemClock,
    logger,
  });
  if (!started.ok) {
    console.error(`bt-tui: ${started.error.message}`);
    return 1;
  }
  const { node } = started;
  let failed = false;
  for (const name of options.seed) if (!(await node.seed(name)).ok) failed = true;
  if (options.seedAll) await node.seedAll();
  for (const name of options.download) if (!node.download(name).ok) failed = true;
  if (!fullScreen) return runHeadless(node, options, failed);
  // The view (Ink, React, the layout engine) is loaded only when a screen is wanted: a headless
  // node stays small.
  prepareFullScreenEnvironment();
  const { runPeerView } = await import('./peer-view.tsx');
  return runPeerView(node, logger, logPath);
}

async function runHeadless(
  node: PeerNode,
  options: PeerOptions,
  failedAtStart: boolean,
): Promise<number> {
  const progress = setInterval(() => {
    for (const download of node.getSnapshot().downloads) {
      if (download.state === 'downloading') console.log(formatProgressLine(download));
    }
  }, PROGRESS_INTERVAL_MS);
  const signal = onShutdownSignal();
  let code = 0;
  if (options.exitWhenDone) {
    const settled = await Promise.race([node.whenDownloadsSettled(), signal.then(() => null)]);
    const notDone = settled?.filter((download) => download.state !== 'done') ?? [];
    for (const download of notDone) console.error(`bt-tui: ${download.name}: ${download.reason}`);
    code = settled === null || failedAtStart || notDone.length > 0 ? 1 : 0;
  } else {
    await signal;
  }
  clearInterval(progress);
  await node.exit();
  return code;
}

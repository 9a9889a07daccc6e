import { realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { systemClock } from '../clock.ts';
import { defaults } from '../config.ts';
import { Logger } from '../log/logger.ts';
import type { Download } from '../peer/download/download.ts';
import { parseDownloadTarget } from '../peer/download/download-target.ts';
import { describeChoice } from '../peer/download/entry-choice.ts';
import { type IntentOutcome, PeerNode } from '../peer/peer-node.ts';
import { checkFilesDir } from './files-dir.ts';
import { prepareFolder } from './folder-flag.ts';
import { prepareFullScreenEnvironment } from './full-screen-env.ts';
import { listenAddress } from './listen-address.ts';
import { lockNodeLog } from './log-lock.ts';
import type { PeerOptions } from './parse-args.ts';
import { formatProgressLine } from './progress-line.ts';
import { onShutdownSignal } from './shutdown.ts';
import { sayStdoutGone, stdoutGone, watchStdout } from './stdout-gone.ts';
import { lookUpTrackerNames, trackerNamesAgain } from './tracker-names.ts';

const PROGRESS_INTERVAL_MS = 1_000;

/** A flag's value that cannot work, found at start: one line, exit 2 as for a usage error. */
function usageProblem(problem: string): number {
  console.error(`bt-tui: ${problem}`);
  return 2;
}

/**
 * `bt-tui peer`: the full-screen view on a terminal; with --headless or without a TTY, one
 * line per event and progress at most once a second. Returns the exit code.
 *
 * The node opens at once: registration with the tracker and hashing the files to seed go on in
 * the background, so the view shows them happening instead of a blank screen.
 */
export async function runPeer(options: PeerOptions): Promise<number> {
  const filesProblem = await checkFilesDir(options.filesDir, defaults.filesDir);
  const problem =
    filesProblem ??
    (await prepareFolder('--logs', options.logsDir)) ??
    (await logsInNodeFolder(options));
  if (problem !== null) return usageProblem(problem);
  const named = await lookUpTrackerNames(options.trackers, options.host);
  if (!named.ok) return usageProblem(named.problem);
  const listen = listenAddress(options.host, named.trackers);
  if (!listen.ok) return usageProblem(listen.problem);
  const lookUpTrackersAgain = trackerNamesAgain(options.trackers, options.host);
  const fullScreen =
    !options.headless && process.stdout.isTTY === true && process.stdin.isTTY === true;
  const logTaken = await lockNodeLog(options.logsDir, options.nodeId, options.filesDir);
  if (logTaken !== null) {
    console.error(`bt-tui: ${logTaken}`);
    return 1;
  }
  const logPath = join(options.logsDir, `node${options.nodeId}.log`);
  if (!fullScreen) watchStdout((reason) => sayStdoutGone(reason, logPath));
  const logger = new Logger({
    filePath: logPath,
    clock: systemClock,
    ...(fullScreen ? {} : { ringSize: 0 }),
    echo: fullScreen
      ? undefined
      : (line) => {
          if (!stdoutGone()) console.log(line);
        },
  });
  for (const line of named.lines) logger.log(line);
  const opened = await PeerNode.open({
    nodeId: options.nodeId,
    host: listen.host,
    port: options.port,
    tracker: named.trackers,
    ...(lookUpTrackersAgain ? { lookUpTrackersAgain } : {}),
    // A person watching the view sees the refusal and may wait for the id; a script is told.
    askAgainIfIdInUse: fullScreen,
    filesDir: options.filesDir,
    maxOwners: options.maxOwners,
    maxPeers: options.maxPeers,
    uploadLimitBytesPerSec: options.uploadLimitBytesPerSec,
    downloadLimitBytesPerSec: options.downloadLimitBytesPerSec,
    blockSizeBytes: options.blockSizeBytes,
    giveUpWithoutOwnersMs: options.exitWhenDone ? defaults.giveUpWithoutOwnersMs : null,
    askedDownloads: options.download,
    clock: systemClock,
    logger,
  });
  if (!opened.ok) {
    console.error(`bt-tui: ${opened.error.message}`);
    return 1;
  }
  const { node } = opened;
  const seeds = startSeeds(node, options);
  if (!fullScreen) return runHeadless(node, logger, options, seeds);
  // What --exit-when-done has to say is printed once the view is gone and the terminal back.
  const lines: string[] = [];
  const report = (line: string) => void lines.push(line);
  // Downloads need the tracker: they start once it answered (or counts as unreachable), after
  // the ones left unfinished last time (asking for one of those again is no error). Null: the
  // tracker refused this node's id (in use by another node).
  const started = node.registration.then(async (registered) => {
    if (!registered) return null;
    await Promise.all([node.resumed, node.restored]);
    return startDownloads(node, options, report);
  });
  // With --exit-when-done the view closes by itself once every download has settled, as a
  // headless node exits; leaving it before (q, a signal) is exit 1, the downloads unfinished.
  const untilDone = options.exitWhenDone
    ? async (leaving: Promise<unknown>) => {
        const failedAtStart = await Promise.race([started, leaving.then(() => true)]);
        if (failedAtStart === null) {
          report(`bt-tui: ${node.tracker.lastError}`);
          return 1;
        }
        return untilDownloadsDone(node, logger, options, failedAtStart, leaving, report);
      }
    : null;
  // The view (Ink, React, the layout engine) is loaded only when a screen is wanted: a headless
  // node stays small.
  await prepareFullScreenEnvironment();
  const { runPeerView } = await import('./peer-view.tsx');
  const code = await runPeerView(node, logger, logPath, untilDone);
  for (const line of lines) console.error(line);
  return code;
}

/** Starts --seed and --seed-all; resolves with the first failure as a line, or null. */
function startSeeds(node: PeerNode, options: PeerOptions): Promise<string | null> {
  const named = options.seed.map((name) =>
    node.seed(name).then((outcome) => problemOf(`--seed ${name}`, outcome)),
  );
  // --seed-all also seeds the files copied into the folder later.
  const all = options.seedAll
    ? node.seedAll({ alsoNewFiles: true }).then(() => null)
    : Promise.resolve<string | null>(null);
  return firstProblem([...named, all]);
}

async function runHeadless(
  node: PeerNode,
  logger: Logger,
  options: PeerOptions,
  seeds: Promise<string | null>,
): Promise<number> {
  const signal = onShutdownSignal();
  const stopped = signal.then(() => 'stopped');
  // Either a refused id or a file that cannot be seeded ends a headless node at once: a script
  // that asked for it must not go on believing the node serves it.
  const registered = node.registration.then((ok) => (ok ? null : node.tracker.lastError));
  const problem = await Promise.race([firstProblem([registered, seeds]), stopped]);
  if (problem === 'stopped') {
    await node.exit();
    if (!options.exitWhenDone) return 0;
    // Stopped before a download began: for --exit-when-done that is not done (exit 0 said a
    // download taken up from the record was, found by a session).
    const taken = node.recordedDownloads();
    const left = [...new Set(options.download)].filter((text) => !taken.includes(text));
    reportStopped(taken, left, (line) => console.error(line));
    return taken.length + left.length > 0 ? 1 : 0;
  }
  if (problem !== null) {
    console.error(`bt-tui: ${problem}`);
    await node.exit();
    return 1;
  }
  // After the seeding record's files are seeded again: a --download of one of them is done at
  // once. Asked before, it found the file `already here (not shared)` and the same command run
  // a second time exited 1 (found by a session).
  await Promise.all([node.resumed, node.restored]);
  const failedAtStart = startDownloads(node, options, (line) => console.error(line));
  const progress = setInterval(() => {
    for (const download of node.getSnapshot().downloads) {
      if (download.state === 'downloading' && !stdoutGone())
        console.log(formatProgressLine(download));
    }
  }, PROGRESS_INTERVAL_MS);
  let code = 0;
  if (options.exitWhenDone) {
    const report = (line: string) => console.error(line);
    code = await untilDownloadsDone(node, logger, options, failedAtStart, signal, report);
  } else {
    await signal;
  }
  clearInterval(progress);
  await node.exit();
  return code;
}

/**
 * The --download texts, each once, and a bare name left out where NAME@PREFIX asks for a file of
 * it: `--download CON --download CON@51245b55` is one download (the second was refused as
 * `already being downloaded`, and the run exited 1 though the file came; found by a session).
 */
function oneAskPerFile(texts: readonly string[]): string[] {
  const prefixed = new Set<string>();
  for (const text of texts) {
    const parsed = parseDownloadTarget(text);
    if (parsed.ok && parsed.target.infohashPrefix !== null) prefixed.add(parsed.target.name);
  }
  return [...new Set(texts)].filter((text) => !prefixed.has(text));
}

/** What --exit-when-done says of what a stop left: `taken` up by the next start, or `left`. */
function reportStopped(taken: string[], left: string[], report: (line: string) => void): void {
  if (taken.length > 0)
    report(
      `bt-tui: stopped before every download was done (${taken.join(', ')}); the next start takes ${taken.length === 1 ? 'it' : 'them'} up`,
    );
  for (const name of left)
    report(
      `bt-tui: stopped before ${name} was done; the next start does not take it up by itself: --download ${name} does`,
    );
}

/**
 * Why --logs cannot be a node's folder, or null: the log would be a file of the folder, and with
 * --seed-all seeded anew every few seconds as it grew, for good (found by a session). Another
 * node's folder of the same --files too: that node seeded this one's log (found by a session).
 */
async function logsInNodeFolder(options: PeerOptions): Promise<string | null> {
  const real = (path: string) => realpath(path).catch(() => resolve(path));
  const logs = await real(options.logsDir);
  if (dirname(logs) !== (await real(options.filesDir))) return null;
  const owner = /^node(\d+)$/.exec(basename(logs));
  if (owner === null) return null;
  const whose =
    Number(owner[1]) === options.nodeId ? `node ${owner[1]}'s own` : `node ${owner[1]}'s`;
  return `--logs ${options.logsDir}: that is ${whose} folder, whose files it shares; give the logs another folder`;
}

/** Starts every --download; reports each that cannot start, and returns true if one could not. */
function startDownloads(node: PeerNode, options: PeerOptions, report: (line: string) => void) {
  let failed = false;
  // The same name given twice is one download: the second was refused as `already being
  // downloaded` and the command exited 1 though the file came (found by a session).
  for (const name of oneAskPerFile(options.download)) {
    // Already here and seeded: done, as a torrent client finds a torrent's data whole. Until
    // 2026-12-07 it was refused (`already here`) and the command exited 1 (found by a session).
    const started = node.seedsAlready(name) ? null : node.download(name);
    if (started === null || (!started.ok && node.seedsAlready(name))) {
      report(`bt-tui: --download ${name}: already here and seeded; nothing to download`);
      continue;
    }
    if (!started.ok) {
      report(`bt-tui: --download ${name}: ${started.reason}`);
      failed = true;
    }
  }
  return failed;
}

/**
 * --exit-when-done: waits until every download (asked for, or taken up) has settled, and then
 * for --seed-time; returns the exit code, reporting why it is not 0. `stopped` (a signal, or the
 * person leaving the view) ends the wait: 1, the downloads unfinished.
 */
async function untilDownloadsDone(
  node: PeerNode,
  logger: Logger,
  options: PeerOptions,
  failedAtStart: boolean,
  stopped: Promise<unknown>,
  report: (line: string) => void,
): Promise<number> {
  // A download paused before the node stopped stays paused (headless, no key resumes it;
  // --download NAME does): not waited for.
  const held = node.heldDownloads();
  for (const name of held)
    report(
      `bt-tui: ${name} stays paused (paused before this node stopped); not waiting for it: --download ${name} resumes it`,
    );
  let isStopped = false;
  void stopped.then(() => {
    isStopped = true;
  });
  const seen = new Set<Download>();
  let failed = failedAtStart;
  for (;;) {
    const settled = await settleAll(node, seen, stopped);
    if (settled === null) {
      // Stopped first (a signal, q in the view): say what is left, and whether it is lost.
      // Until 2026-12-07 every one was said to be taken up, a name never found and one whose
      // record could not be saved (a full disk) too, and the next start did not (found by a
      // session).
      const taken: string[] = [];
      const left: string[] = [];
      for (const name of node.unfinishedDownloads())
        ((await node.nextStartTakesUp(name)) ? taken : left).push(name);
      reportStopped(taken, left, report);
      return 1;
    }
    for (const download of settled) {
      if (download.state === 'done') continue;
      failed = true;
      report(`bt-tui: ${download.name}: ${download.reason}`);
      // Several files of the name: each candidate, as it is typed back (NAME@PREFIX).
      for (const choice of download.choices) report(`  ${describeChoice(choice)}`);
    }
    if (failed || options.seedTimeMs === 0) return failed ? 1 : 0;
    await seedOn(logger, options.seedTimeMs, stopped);
    // A download started in the view while the node seeded on: waited for too, then again.
    const started = node.unfinishedDownloads().filter((name) => !held.includes(name));
    if (isStopped || started.length === 0) return 0;
  }
}

/**
 * Waits until every download has settled, again while new ones appear (a person in the view
 * pressed `d`); returns those `seen` did not have yet (adding them), or null once `stopped`.
 */
async function settleAll(
  node: PeerNode,
  seen: Set<Download>,
  stopped: Promise<unknown>,
): Promise<Download[] | null> {
  const fresh: Download[] = [];
  for (;;) {
    const settled = await Promise.race([
      node.whenDownloadsSettled({ exceptHeld: true }),
      stopped.then(() => null),
    ]);
    if (settled === null) return null;
    const more = settled.filter((download) => !seen.has(download));
    if (more.length === 0) return fresh;
    for (const download of more) {
      seen.add(download);
      fresh.push(download);
    }
  }
}

/**
 * --seed-time: the node goes on serving its files (the ones just downloaded too) for a while
 * before it exits, as aria2c's --seed-time does. Why: in a flash crowd the leechers that finish
 * first were the partial owners the others still fetch from; leaving at once, they left the last
 * one to fetch its last pieces from the seeder alone (bench/lan.ts, N = 8: the last leecher
 * 0.3–1.4 s behind the others' median, against 0.1–0.5 s when they stay 3 s). A shutdown signal
 * ends the wait at once.
 */
async function seedOn(logger: Logger, ms: number, signal: Promise<unknown>): Promise<void> {
  logger.log(
    `every download verified; seeding ${formatSeconds(ms)} more (--seed-time), then exiting`,
  );
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([elapsed, signal]);
  clearTimeout(timer);
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function problemOf(what: string, outcome: IntentOutcome): string | null {
  return outcome.ok ? null : `${what}: ${outcome.reason}`;
}

/** The first non-null answer of `checks`, or null once every one answered null. */
function firstProblem(checks: Promise<string | null>[]): Promise<string | null> {
  return new Promise((resolve) => {
    let left = checks.length;
    if (left === 0) resolve(null);
    for (const check of checks) {
      void check.then((problem) => {
        if (problem !== null) resolve(problem);
        else if (--left === 0) resolve(null);
      });
    }
  });
}

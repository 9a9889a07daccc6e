import { link, mkdtemp, readdir, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { systemClock } from '../clock.ts';
import { defaults } from '../config.ts';
import { type FolderLock, isAbandoned, lockFolder } from '../folder-lock.ts';
import { formatSize } from '../format.ts';
import { Logger } from '../log/logger.ts';
import { makeFolder } from '../make-folder.ts';
import { buildMetainfo } from '../peer/metainfo-builder.ts';
import { saveCachedMetainfo } from '../peer/metainfo-cache.ts';
import { openNodeFolder } from '../peer/node-folder.ts';
import { PeerNode } from '../peer/peer-node.ts';
import { startTracker, type TrackerServer } from '../tracker/server.ts';
import { ChildProcesses } from './child-processes.ts';
import { type SampleFile, writeRandomFile } from './sample-files.ts';

export interface DemoSwarmOptions {
  sizesMiB: number[];
  seeders: number;
  /** Where progress of the setup is reported (headless prints it; the view shows it). */
  say(text: string): void;
}

/** A short sweep so the demo's tracker view shows heartbeats, late and dropped nodes quickly. */
const DEMO_SWEEP_MS = 6_000;
const OWNERS_WAIT_MS = 60_000;

/**
 * A whole swarm in a temporary folder: the tracker and the viewer's node in this process, the
 * seeders as child processes of this same program (same code paths, same wire protocol). It
 * never touches the user's node_files/, logs/ or tracker_db/.
 */
export class DemoSwarm {
  private constructor(
    readonly folder: string,
    readonly tracker: TrackerServer,
    readonly trackerLog: Logger,
    readonly node: PeerNode,
    readonly nodeLog: Logger,
    readonly samples: SampleFile[],
    private readonly children: ChildProcesses,
    private readonly lock: FolderLock,
  ) {}

  static async start(options: DemoSwarmOptions): Promise<DemoSwarm> {
    await removeAbandonedDemos();
    const folder = await mkdtemp(join(tmpdir(), DEMO_FOLDER_PREFIX));
    const filesDir = join(folder, 'node_files');
    const logsDir = join(folder, 'logs');
    const children = new ChildProcesses();
    try {
      // Its mark while the demo runs: a demo killed outright leaves the folder to the next one.
      const locked = await lockFolder(folder, DEMO_LOCK_FILE);
      if (!locked.ok) throw new Error(`${folder} is taken by process ${locked.pid}`);
      await checkRoom(folder, options.sizesMiB);
      const samples = await makeSamples(folder, filesDir, options);
      const trackerLog = new Logger({ filePath: join(logsDir, 'tracker.log'), clock: systemClock });
      const started = await startTracker({
        host: '127.0.0.1',
        port: 0,
        dbDir: join(folder, 'tracker_db'),
        logger: trackerLog,
        sweepIntervalMs: DEMO_SWEEP_MS,
      });
      if (!started.ok) throw new Error(started.error.message);
      const tracker = started.tracker;
      const trackerAddress = `${tracker.address.address}:${tracker.address.port}`;
      const seeders = `${options.seeders} seeder${options.seeders === 1 ? '' : 's'}`;
      options.say(`tracker on ${trackerAddress}; starting ${seeders}`);
      for (let id = 1; id <= options.seeders; id++) {
        children.startBtTui([
          'peer',
          '--id',
          String(id),
          '--tracker',
          trackerAddress,
          '--files',
          filesDir,
          '--logs',
          logsDir,
          '--seed-all',
          '--headless',
        ]);
      }
      await waitForOwners(tracker, samples.length, options.seeders);
      const nodeLog = new Logger({
        filePath: join(logsDir, `node${options.seeders + 1}.log`),
        clock: systemClock,
      });
      const viewer = await PeerNode.start({
        nodeId: options.seeders + 1,
        host: '127.0.0.1',
        port: 0,
        tracker: tracker.address,
        filesDir,
        maxOwners: defaults.maxOwnersPerDownload,
        blockSizeBytes: defaults.blockSizeBytes,
        giveUpWithoutOwnersMs: defaults.giveUpWithoutOwnersMs,
        clock: systemClock,
        logger: nodeLog,
      });
      if (!viewer.ok) throw new Error(viewer.error.message);
      return new DemoSwarm(
        folder,
        tracker,
        trackerLog,
        viewer.node,
        nodeLog,
        samples,
        children,
        locked.lock,
      );
    } catch (error) {
      await children.stopAll();
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  /** Stops every node and the tracker; removes the folder unless asked to keep it. */
  async stop(keep: boolean): Promise<void> {
    await this.node.exit();
    await this.children.stopAll();
    await this.tracker.stop();
    this.nodeLog.closeFile();
    this.trackerLog.closeFile();
    // Kept, it is the person's: without its lock no later demo takes it for abandoned.
    await this.lock.release();
    if (!keep) await rm(this.folder, { recursive: true, force: true });
  }
}

const DEMO_FOLDER_PREFIX = 'bt-tui-demo-';
const DEMO_LOCK_FILE = 'demo.lock';

/**
 * Removes the folders of demos that died without cleaning up (killed outright, the machine's
 * power cut): each held its lock while it ran, and its process is gone. A folder kept with
 * --keep has no lock and stays.
 */
async function removeAbandonedDemos(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(DEMO_FOLDER_PREFIX)) continue;
    const folder = join(tmpdir(), name);
    if (await isAbandoned(folder, DEMO_LOCK_FILE).catch(() => false))
      await rm(folder, { recursive: true, force: true }).catch(() => {});
  }
}

/** Room the demo leaves free beside its files: logs, the tracker's database, metainfo. */
const SPARE_BYTES = 16 * 1024 * 1024;

/**
 * Fails with what is needed and what is free where the samples (one copy the seeders share) and
 * their downloads would not fit: a full disk said only `ENOSPC: no space left on device, write`
 * (found by hand with TMPDIR on a 50 MiB tmpfs).
 */
async function checkRoom(folder: string, sizesMiB: readonly number[]): Promise<void> {
  const needed = 2 * sizesMiB.reduce((sum, size) => sum + size, 0) * 1024 * 1024 + SPARE_BYTES;
  const info = await statfs(folder);
  const free = info.bavail * info.bsize;
  if (free >= needed) return;
  throw new Error(
    `not enough room in ${dirname(folder)}: the sample files and their downloads need ${formatSize(needed)}, ${formatSize(free)} is free (give a smaller --size, or TMPDIR a folder on a larger disk)`,
  );
}

/**
 * Random sample files, written once and hard-linked into every seeder's folder (one copy on
 * disk), with their metainfo cached for each seeder so none of them hashes at start.
 */
async function makeSamples(
  folder: string,
  filesDir: string,
  options: DemoSwarmOptions,
): Promise<SampleFile[]> {
  const originals = join(folder, 'samples');
  await makeFolder(originals);
  const samples: SampleFile[] = [];
  for (const sizeMiB of options.sizesMiB) {
    const name = `sample-${sizeMiB}MiB.bin`;
    options.say(`writing ${name}`);
    samples.push(await writeRandomFile(join(originals, name), name, sizeMiB * 1024 * 1024));
  }
  for (let id = 1; id <= options.seeders; id++) {
    const nodeFolder = await openNodeFolder(filesDir, id);
    for (const sample of samples) await link(sample.path, join(nodeFolder.path, sample.name));
  }
  for (const sample of samples) {
    options.say(`hashing ${sample.name}`);
    const built = await buildMetainfo(sample.path, sample.name);
    for (let id = 1; id <= options.seeders; id++) {
      const nodeFolder = await openNodeFolder(filesDir, id);
      await saveCachedMetainfo(
        nodeFolder,
        sample.name,
        { sizeBytes: built.sizeBytes, mtimeMs: built.mtimeMs, ctimeMs: built.ctimeMs },
        built.encoded,
      );
    }
  }
  return samples;
}

/** Resolves once every sample file has `owners` owners at the tracker. */
function waitForOwners(tracker: TrackerServer, files: number, owners: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const ready =
        tracker.getSnapshot().files.filter((file) => file.owners.length >= owners).length >= files;
      if (!ready) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(() => {
      unsubscribe();
      reject(
        new Error(`the seeders did not announce their files within ${OWNERS_WAIT_MS / 1000} s`),
      );
    }, OWNERS_WAIT_MS);
    const unsubscribe = tracker.subscribe(check);
    check();
  });
}

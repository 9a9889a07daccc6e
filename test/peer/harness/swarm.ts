/**
 * An in-process swarm on 127.0.0.1: one tracker and any number of PeerNodes, each on port 0 with
 * its own folder under one temp dir, real UDP between them. Every node's socket is wrapped in a
 * FaultyTransport (no faults unless asked) so a test can partition it at any time, and in a
 * TripwireTransport so a test can act at an exact point of a transfer; optionally its uplink is
 * slowed (SlowLinkTransport) so a transfer lasts long enough to be disturbed. close() stops
 * everything and removes the folder, whatever state the test left it in.
 */
import { rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '../../../source/clock.ts';
import { defaults } from '../../../source/config.ts';
import { Logger } from '../../../source/log/logger.ts';
import { type FaultProfile, FaultyTransport } from '../../../source/net/faulty-transport.ts';
import type { FragmentQueues } from '../../../source/net/fragment-queues.ts';
import type { DatagramTransport, RemoteAddress } from '../../../source/net/transport.ts';
import type { Download } from '../../../source/peer/download/download.ts';
import { PeerNode } from '../../../source/peer/peer-node.ts';
import type { DownloadSnapshot, OwnerSnapshot } from '../../../source/peer/peer-snapshot.ts';
import {
  startTracker,
  type TrackerServer,
  type TrackerServerOptions,
} from '../../../source/tracker/server.ts';
import type { TrackerSnapshot } from '../../../source/tracker/snapshot.ts';
import { makeTempDir, writeRandomFile } from './files.ts';
import { SlowLinkTransport } from './slow-link.ts';
import { TripwireTransport } from './tripwire.ts';
import { waitFor, withTimeout } from './wait.ts';

const HOST = '127.0.0.1';
/** Short sweep: a silent node is dropped within seconds, heartbeats come every ~1.8 s. */
const TEST_SWEEP_MS = 2_000;
/** Set BT_TUI_TEST_LOGS=1 to see every node's log lines while a test runs. */
const ECHO_LOGS = process.env.BT_TUI_TEST_LOGS === '1';

const removeAtExitRoots = new Set<string>();

function removeAtExit(root: string): void {
  if (removeAtExitRoots.size === 0) {
    process.once('exit', () => {
      for (const path of removeAtExitRoots) rmSync(path, { recursive: true, force: true });
    });
  }
  removeAtExitRoots.add(root);
}

/** How one node of the swarm is started. */
export interface SwarmNodeOptions {
  nodeId: number;
  /** Fault seed (print it in assertions); faults are off unless inbound/outbound are given. */
  seed?: number;
  inbound?: FaultProfile;
  outbound?: FaultProfile;
  maxOwners?: number;
  /** Default null: wait for owners forever, like the TUI. */
  giveUpWithoutOwnersMs?: number | null;
  blockSizeBytes?: number;
  /** Caps this node's upload rate (a slow uplink), so a transfer lasts long enough to disturb. */
  uplinkBytesPerSec?: number;
  /** The node's own `--upload-limit` / `--download-limit`, bytes per second. */
  uploadLimitBytesPerSec?: number;
  downloadLimitBytesPerSec?: number;
  /** What the host holds waiting for fragments, as the node reads it (default: none). */
  readFragmentQueues?: () => FragmentQueues | null;
  /** Owners a download keeps asking for (default config maxPeersPerDownload). */
  maxPeers?: number;
  /** How often a seed the tracker refused to list is announced again (default 60 s). */
  unlistedRetryMs?: number;
  /** Wraps the socket closest to the engine: sees every datagram the node sends, encoded. */
  wrapOutbound?: (transport: DatagramTransport) => DatagramTransport;
  /** The node's clock (default the system's): a test may count its timers. */
  clock?: Clock;
  /** What the run asks to download (--download), for the take-up of recorded downloads. */
  askedDownloads?: readonly string[];
  /** The node's UDP port (default any free one): a node restarted where it was. */
  port?: number;
}

/** One running node and the handles a test needs to observe and disturb it. */
export interface SwarmNode {
  readonly nodeId: number;
  readonly node: PeerNode;
  /** Real path of `<files>/node<ID>/`. */
  readonly folder: string;
  readonly address: RemoteAddress;
  readonly faults: FaultyTransport;
  readonly tripwire: TripwireTransport;
  /** Every log line of this node, in order. */
  readonly lines: string[];
  /** Leaves the swarm (EXIT) and closes the socket; safe to call twice. */
  exit(): Promise<void>;
}

/** A tracker and its nodes in this process. */
export class Swarm {
  readonly nodes: SwarmNode[] = [];
  readonly trackerLines: string[] = [];
  private tracker: TrackerServer | null = null;

  private trackerDb = 'tracker_db';

  private constructor(
    readonly root: string,
    private readonly removeRoot: () => Promise<void>,
    private trackerLimits: TrackerServerOptions['limits'],
  ) {}

  /** Starts the tracker on a free port with a fresh database (and `limits`, if given). */
  static async start(options: { limits?: TrackerServerOptions['limits'] } = {}): Promise<Swarm> {
    const dir = await makeTempDir('swarm');
    const swarm = new Swarm(dir.path, dir.remove, options.limits);
    try {
      await swarm.startTracker(0);
    } catch (error) {
      await dir.remove();
      throw error;
    }
    return swarm;
  }

  /**
   * Stops the tracker and starts it again on its port, with its database as after a crash, or
   * with an empty one (`emptyDb`: a tracker that lost its disk); with `limits` instead, if given.
   */
  async restartTracker(
    options: { emptyDb?: boolean; limits?: TrackerServerOptions['limits'] } = {},
  ): Promise<void> {
    const { port } = this.trackerAddress;
    if (options.emptyDb) this.trackerDb = `${this.trackerDb}+`;
    if (options.limits) this.trackerLimits = options.limits;
    await this.tracker!.stop();
    this.tracker = null;
    await this.startTracker(port);
  }

  private async startTracker(port: number): Promise<void> {
    const started = await startTracker({
      host: HOST,
      port,
      dbDir: join(this.root, this.trackerDb),
      logger: this.logger('tracker', this.trackerLines),
      sweepIntervalMs: TEST_SWEEP_MS,
      clock: systemClock,
      ...(this.trackerLimits ? { limits: this.trackerLimits } : {}),
    });
    if (!started.ok) throw new Error(`tracker did not start: ${started.error.message}`);
    this.tracker = started.tracker;
  }

  get trackerAddress(): RemoteAddress {
    return this.tracker!.address;
  }

  /** What the tracker's view would draw now: nodes and the owner index. */
  trackerSnapshot(): TrackerSnapshot {
    return this.tracker!.getSnapshot();
  }

  /** `<root>/files/node<ID>`: put files here before addNode() to have them in the folder. */
  async folderFor(nodeId: number): Promise<string> {
    const path = join(this.root, 'files', `node${nodeId}`);
    await mkdir(path, { recursive: true });
    return path;
  }

  /** Starts a node registered with the tracker. */
  async addNode(options: SwarmNodeOptions): Promise<SwarmNode> {
    const lines: string[] = [];
    let faults: FaultyTransport | null = null;
    let tripwire: TripwireTransport | null = null;
    const started = await PeerNode.start({
      nodeId: options.nodeId,
      host: HOST,
      port: options.port ?? 0,
      tracker: this.trackerAddress,
      filesDir: join(this.root, 'files'),
      maxOwners: options.maxOwners ?? defaults.maxOwnersPerDownload,
      blockSizeBytes: options.blockSizeBytes ?? defaults.blockSizeBytes,
      giveUpWithoutOwnersMs: options.giveUpWithoutOwnersMs ?? null,
      ...(options.uploadLimitBytesPerSec
        ? { uploadLimitBytesPerSec: options.uploadLimitBytesPerSec }
        : {}),
      ...(options.downloadLimitBytesPerSec
        ? { downloadLimitBytesPerSec: options.downloadLimitBytesPerSec }
        : {}),
      ...(options.maxPeers ? { maxPeers: options.maxPeers } : {}),
      ...(options.unlistedRetryMs ? { unlistedRetryMs: options.unlistedRetryMs } : {}),
      ...(options.askedDownloads ? { askedDownloads: options.askedDownloads } : {}),
      // Not the host's counter: other traffic on this machine must not change a test's blocks.
      readFragmentQueues: options.readFragmentQueues ?? (() => null),
      clock: options.clock ?? systemClock,
      logger: this.logger(`node${options.nodeId}`, lines),
      // socket <- faults <- slow uplink <- tripwire <- endpoint: a partition also drops what
      // the slow uplink still had queued, as a crash would.
      wrapTransport: (socket) => {
        faults = new FaultyTransport(socket, {
          seed: options.seed ?? options.nodeId,
          ...(options.inbound ? { inbound: options.inbound } : {}),
          ...(options.outbound ? { outbound: options.outbound } : {}),
        });
        const uplink = options.uplinkBytesPerSec
          ? new SlowLinkTransport(faults, options.uplinkBytesPerSec)
          : faults;
        tripwire = new TripwireTransport(uplink);
        return options.wrapOutbound ? options.wrapOutbound(tripwire) : tripwire;
      },
    });
    if (!started.ok) throw new Error(`node ${options.nodeId}: ${started.error.message}`);
    const { node } = started;
    let exiting: Promise<void> | null = null;
    const swarmNode: SwarmNode = {
      nodeId: options.nodeId,
      node,
      folder: node.folder.path,
      address: node.endpoint.localAddress,
      faults: faults!,
      tripwire: tripwire!,
      lines,
      exit: () => {
        exiting ??= node.exit();
        return exiting;
      },
    };
    this.nodes.push(swarmNode);
    return swarmNode;
  }

  /** Starts nodes one after the other (ids must differ). */
  async addNodes(options: SwarmNodeOptions[]): Promise<SwarmNode[]> {
    const started: SwarmNode[] = [];
    for (const option of options) started.push(await this.addNode(option));
    return started;
  }

  /** Stops every node and the tracker and removes the folder. Never throws. */
  async close(): Promise<void> {
    await Promise.allSettled(this.nodes.map((node) => node.exit()));
    await this.tracker?.stop().catch(() => {});
    await this.removeRoot().catch(() => {});
    // The tracker's database writer can still fire a batched write after stop() (a timer armed
    // while stop() flushed) and recreate tracker_db; remove the folder again when the test
    // process ends.
    removeAtExit(this.root);
  }

  private logger(name: string, lines: string[]): Logger {
    return new Logger({
      filePath: null,
      clock: systemClock,
      echo: (line) => {
        lines.push(line);
        if (ECHO_LOGS) process.stderr.write(`[${name}] ${line}\n`);
      },
    });
  }
}

/**
 * Nodes 1..`count`, each with the same random `name` (from `seed`) in its folder and seeding it;
 * `options` for each (upload limits, say). Resolves with the nodes and the file's SHA-256.
 */
export async function startSeeders(
  swarm: Swarm,
  file: { name: string; sizeBytes: number; seed: number; count: number },
  options: Omit<SwarmNodeOptions, 'nodeId'> = {},
): Promise<{ seeders: SwarmNode[]; expected: string }> {
  let expected = '';
  for (let nodeId = 1; nodeId <= file.count; nodeId++) {
    const path = join(await swarm.folderFor(nodeId), file.name);
    expected = await writeRandomFile(path, file.sizeBytes, file.seed);
  }
  const seeders = await swarm.addNodes(
    Array.from({ length: file.count }, (_, i) => ({ ...options, nodeId: i + 1 })),
  );
  for (const seeder of seeders) {
    const seeded = await seeder.node.seed(file.name);
    if (!seeded.ok) throw new Error(`node ${seeder.nodeId} could not seed ${file.name}`);
  }
  return { seeders, expected };
}

/** Starts downloading `name` on `leecher` and resolves with the settled Download. */
export async function downloadAndSettle(
  leecher: SwarmNode,
  name: string,
  timeoutMs: number,
): Promise<Download> {
  const started = leecher.node.download(name);
  if (!started.ok) throw new Error(`download(${name}) refused: ${started.reason}`);
  return settled(leecher, name, timeoutMs);
}

/** Resolves with the Download of `name` once every download of the node has settled. */
export async function settled(
  leecher: SwarmNode,
  name: string,
  timeoutMs: number,
): Promise<Download> {
  const all = await withTimeout(
    leecher.node.whenDownloadsSettled(),
    `download of ${name} by node ${leecher.nodeId} (last lines:\n${leecher.lines.slice(-15).join('\n')})`,
    timeoutMs,
  );
  const download = all.find((candidate) => candidate.name === name);
  if (!download) throw new Error(`node ${leecher.nodeId} has no download of ${name}`);
  return download;
}

/** The snapshot row of `name` on `node`, if the snapshot has it yet. */
export function downloadRow(node: SwarmNode, name: string): DownloadSnapshot | undefined {
  return node.node.getSnapshot().downloads.find((row) => row.name === name);
}

/** The snapshot row of `name` once it shows the download ended (the snapshot is on a timer). */
export async function finalRow(node: SwarmNode, name: string): Promise<DownloadSnapshot> {
  let row: DownloadSnapshot | undefined;
  await waitFor(() => {
    row = downloadRow(node, name);
    return row !== undefined && ['done', 'failed', 'cancelled'].includes(row.state);
  }, `the snapshot of node ${node.nodeId} to show ${name} ended`);
  return row!;
}

/** Every state each owner (by node id) was seen in, across snapshots, for "at some point" checks. */
export function recordOwnerStates(node: SwarmNode, name: string): Map<number, Set<string>> {
  const seen = new Map<number, Set<string>>();
  const record = (owners: readonly OwnerSnapshot[]): void => {
    for (const owner of owners) {
      const states = seen.get(owner.nodeId) ?? new Set<string>();
      states.add(owner.state);
      seen.set(owner.nodeId, states);
    }
  };
  node.node.subscribe(() => record(downloadRow(node, name)?.owners ?? []));
  return seen;
}

/** One line per owner for assertion messages: `node 2 active strikes 0 ...`. */
export function describeOwners(download: Download): string {
  return download.owners
    .map(
      (owner) =>
        `node ${owner.nodeId} ${owner.state} strikes ${owner.strikes} verified ${owner.verifiedBytes} B${owner.reason ? ` (${owner.reason})` : ''}`,
    )
    .join('; ');
}

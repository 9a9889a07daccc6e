/**
 * Pieces for fault tests that the peer Swarm harness does not offer: a tracker in this process
 * that can be stopped and started again on the same port and database, PeerNodes pointed at any
 * tracker address (a child process too) with any socket wrapper, and a bare UDP client that
 * speaks the tracker protocol by hand (for churn and floods). close() undoes all of it.
 */
import { join } from 'node:path';
import { systemClock } from '../../../source/clock.ts';
import { defaults } from '../../../source/config.ts';
import { Logger } from '../../../source/log/logger.ts';
import { UdpEndpoint } from '../../../source/net/endpoint.ts';
import {
  type DatagramTransport,
  openUdpTransport,
  type RemoteAddress,
} from '../../../source/net/transport.ts';
import { PeerNode } from '../../../source/peer/peer-node.ts';
import type { TrackerPatience } from '../../../source/peer/tracker-client.ts';
import { startTracker, type TrackerServer } from '../../../source/tracker/server.ts';
import { makeTempDir } from '../../peer/harness/files.ts';
import { type RedisServer, startRedisServer } from '../../peer/harness/redis-server.ts';

const HOST = '127.0.0.1';
const ECHO_LOGS = process.env.BT_TUI_TEST_LOGS === '1';
/**
 * BT_TUI_TEST_STORE=redis: the in-process tracker keeps its swarm in a redis-server of its own
 * (`npm run test:shared-store` runs the tracker fault tests so, on the shared store).
 */
const SHARED_STORE = process.env.BT_TUI_TEST_STORE === 'redis';

/** A logger that keeps every line in `lines` (and echoes them with BT_TUI_TEST_LOGS=1). */
export function memoryLogger(name: string, lines: string[]): Logger {
  return new Logger({
    filePath: null,
    clock: systemClock,
    echo: (line) => {
      lines.push(line);
      if (ECHO_LOGS) process.stderr.write(`[${name}] ${line}\n`);
    },
  });
}

/**
 * The tracker's first port is drawn from below Linux's ephemeral range (32768-60999), which a
 * bind to port 0 never returns: a test that stops its tracker and starts it again on the same
 * port once found it taken by another test's socket (`port 33463 ... is already in use`).
 */
const TRACKER_PORT_FIRST = 20_000;
const TRACKER_PORT_COUNT = 12_000;
const PORT_ATTEMPTS = 20;

function trackerPortBelowEphemeral(): number {
  return TRACKER_PORT_FIRST + Math.floor(Math.random() * TRACKER_PORT_COUNT);
}

/** A running PeerNode of a World and its log. */
export interface WorldPeer {
  readonly nodeId: number;
  readonly node: PeerNode;
  readonly lines: string[];
}

/** A temp folder with a restartable in-process tracker and peers; everything stops in close(). */
export class World {
  readonly trackerLines: string[] = [];
  readonly peers: WorldPeer[] = [];
  readonly filesDir: string;
  readonly dbDir: string;
  tracker: TrackerServer | null = null;
  /** For later peers: how long they wait for the tracker (the real world's when null). */
  trackerPatience: TrackerPatience | null = null;
  private trackerPort = 0;
  /** Several trackers for later peers (pointAtTrackers), instead of the one above. */
  private trackerList: RemoteAddress[] | null = null;
  private readonly clients: UdpEndpoint[] = [];
  private redis: RedisServer | null = null;

  private constructor(
    readonly root: string,
    private readonly removeRoot: () => Promise<void>,
  ) {
    this.filesDir = join(root, 'files');
    this.dbDir = join(root, 'tracker_db');
  }

  static async create(prefix: string): Promise<World> {
    const dir = await makeTempDir(prefix);
    return new World(dir.path, dir.remove);
  }

  /** 127.0.0.1 and the tracker's port (the same across restarts). */
  get trackerAddress(): RemoteAddress {
    return { address: HOST, port: this.trackerPort };
  }

  /** Starts (or restarts, on the same port and database) the in-process tracker. */
  async startTracker(sweepIntervalMs: number): Promise<TrackerServer> {
    if (SHARED_STORE) this.redis ??= await startRedisServer();
    const first = this.trackerPort === 0;
    let started: Awaited<ReturnType<typeof startTracker>> | null = null;
    for (let attempt = 0; attempt < (first ? PORT_ATTEMPTS : 1); attempt++) {
      started = await startTracker({
        ...(this.redis ? { storeUrl: this.redis.url } : {}),
        host: HOST,
        port: first ? trackerPortBelowEphemeral() : this.trackerPort,
        dbDir: this.dbDir,
        logger: memoryLogger('tracker', this.trackerLines),
        sweepIntervalMs,
        clock: systemClock,
      });
      if (started.ok || started.error.code !== 'address-in-use') break;
    }
    if (!started?.ok) throw new Error(`tracker did not start: ${started?.error.message}`);
    this.tracker = started.tracker;
    this.trackerPort = started.tracker.address.port;
    return started.tracker;
  }

  /** Stops the in-process tracker (it writes its database first, as a clean stop does). */
  async stopTracker(): Promise<void> {
    await this.tracker?.stop();
    this.tracker = null;
  }

  /** Points later peers at a tracker that runs elsewhere (a child process). */
  pointAtTracker(port: number): void {
    this.trackerPort = port;
  }

  /** Points later peers at several trackers (child processes), in this order. */
  pointAtTrackers(ports: number[]): void {
    this.trackerList = ports.map((port) => ({ address: HOST, port }));
  }

  /**
   * Starts a PeerNode with its folder `<root>/files/node<ID>`, on 127.0.0.1 unless `host` names
   * another loopback address (the tracker counts credits per host).
   */
  async addPeer(
    nodeId: number,
    wrapTransport?: (transport: DatagramTransport) => DatagramTransport,
    host = HOST,
    /** K: owners a download uses at once. */
    maxOwners: number = defaults.maxOwnersPerDownload,
  ): Promise<WorldPeer> {
    const lines: string[] = [];
    const started = await PeerNode.start({
      nodeId,
      host,
      port: 0,
      tracker: this.trackerList ?? this.trackerAddress,
      filesDir: this.filesDir,
      maxOwners,
      blockSizeBytes: defaults.blockSizeBytes,
      giveUpWithoutOwnersMs: null,
      clock: systemClock,
      logger: memoryLogger(`node${nodeId}`, lines),
      ...(wrapTransport ? { wrapTransport } : {}),
      ...(this.trackerPatience ? { trackerPatience: this.trackerPatience } : {}),
    });
    if (!started.ok) throw new Error(`node ${nodeId}: ${started.error.message}`);
    const peer = { nodeId, node: started.node, lines };
    this.peers.push(peer);
    return peer;
  }

  /** A bare endpoint on `host` (127.0.0.1 unless given; port 0) for speaking the protocol by hand. */
  async rawClient(host = HOST): Promise<UdpEndpoint> {
    const opened = await openUdpTransport({
      host,
      port: 0,
      receiveBufferBytes: 1024 * 1024,
      sendBufferBytes: 1024 * 1024,
    });
    if (!opened.ok) throw new Error(`raw client: ${opened.error.message}`);
    const endpoint = new UdpEndpoint(opened.transport, { clock: systemClock });
    this.clients.push(endpoint);
    return endpoint;
  }

  /** Stops every peer, client and the tracker, and removes the folder. Never throws. */
  async close(): Promise<void> {
    await Promise.allSettled(this.peers.map((peer) => peer.node.exit()));
    await Promise.allSettled(this.clients.map((client) => client.close()));
    await this.tracker?.stop().catch(() => {});
    await this.redis?.stop().catch(() => {});
    await this.removeRoot().catch(() => {});
  }
}

/**
 * The simulated nodes' side of the tracker conversation, for the load generator
 * (tracker-load.ts): what each node sends (REGISTER and its proof, OWN, heartbeats, NEED +
 * UPDATE); sim-replies.ts is what it does with an answer, sim-timeouts.ts with none.
 *
 * Given one tracker (the bench without --kill-one) the rules are the generator's own and have
 * not changed: no reply in 2 s and a request is counted as timed out, not retried (REGISTER is
 * sent again after the node's backoff). Given several, each node follows the real client
 * (source/peer/tracker-client.ts) with the real TrackerChoice: a request is sent again after
 * 0.5, 1 and 2 s (FAILOVER_REQUEST_RETRIES; the real client waits 0.2, 0.4 and 0.8 s once it
 * knows the tracker's round trips: the simulation keeps the cautious end), then the node moves
 * to the next tracker and sends
 * it there with the same token, each tracker once per request; a 'reregister' answer registers
 * again after a pause of up to a quarter heartbeat (at most 2 s) and sends the request once
 * more; a request no tracker answers drops the session and registers with backoff. Where it
 * differs: heartbeats keep the generator's fixed schedule (a real node schedules the next one
 * a period after the last one ended; failover takes ~3.5 s of a 20 s period, so they rarely
 * differ), and a move is a new txid on the same schedule, as the real endpoint's new request.
 */
import { randomBytes } from 'node:crypto';
import { identityFromSeed, type NodeIdentity } from '../../source/peer/identity.ts';
import { RETRY_CAP_MS, RETRY_MIN_MS } from '../../source/peer/tracker-client.ts';
import { encode } from '../../source/protocol/codec.ts';
import { DOWNLOAD_ID_BYTES } from '../../source/protocol/codec-tracker.ts';
import type { TrackerRequest } from '../../source/protocol/messages.ts';
import { registrationSigningBytes } from '../../source/protocol/signatures.ts';
import type { FailoverRecorder } from './failover-recorder.ts';
import { RequestTable, type RequestTiming } from './request-table.ts';
import {
  downloadTarget,
  FILE_SIZE_BYTES,
  FILES_PER_NODE,
  fileName,
  infohashOf,
} from './sim-files.ts';
import type { Outgoing, Phase, SimNode } from './sim-node.ts';
import { emptyWindowFigures, type WindowFigures } from './window-figures.ts';

/** One node in this many also NEEDs and UPDATEs once per heartbeat period. */
const NEEDER_EVERY = 10;

/** What SimSwarm needs to know of its run. */
export interface SimSwarmOptions {
  /** Several trackers: the real client's rules (see the header). */
  failover: boolean;
  timing: RequestTiming;
  /** Nodes in the whole swarm (other generators' too): NEED and UPDATE pick among them. */
  totalNodes: number;
  /** Several trackers: the record of a kill. */
  recorder: FailoverRecorder | null;
}

/** The conversation of every node of one generator, and its figures. */
export class SimSwarm {
  phase: Phase = 'ramp';
  readonly table: RequestTable<Outgoing>;
  /** Figures of the requests first sent in the measured window. */
  readonly window: WindowFigures = emptyWindowFigures();
  /** Nodes registered at least once. */
  registeredNodes = 0;
  /** The period REGISTERED asked for; 0 until the first. */
  heartbeatIntervalMs = 0;
  rampTimedOut = 0;
  /** Several trackers: the real client's rules (see the header). */
  readonly failover: boolean;
  readonly recorder: FailoverRecorder | null;
  private readonly totalNodes: number;
  private readonly identities = new Map<number, NodeIdentity>();

  constructor(options: SimSwarmOptions) {
    this.failover = options.failover;
    this.recorder = options.recorder;
    this.totalNodes = options.totalNodes;
    this.table = new RequestTable<Outgoing>(options.timing, (attempt) => {
      attempt.item.node.socket?.send(attempt.datagram, attempt.to.port, attempt.to.address);
    });
  }

  /** Each node's key pair (from its id: reproducible); make them before the ramp. */
  identityOf(node: SimNode): NodeIdentity {
    let identity = this.identities.get(node.id);
    if (!identity) {
      const seed = Buffer.alloc(32);
      seed.writeUInt32BE(node.id, 0);
      identity = identityFromSeed(seed);
      this.identities.set(node.id, identity);
    }
    return identity;
  }

  /** REGISTER at the node's tracker; its CHALLENGE is answered with REGISTER-PROOF. */
  register(node: SimNode): void {
    node.registering = true;
    const publicKey = this.identityOf(node).publicKey;
    this.send(node, { type: 'register', nodeId: node.id, publicKey });
  }

  /** REGISTER-PROOF for `challenge`, to the tracker that sent it. */
  prove(node: SimNode, challenge: Buffer, to = node.trackers.current): void {
    const identity = this.identityOf(node);
    const request: TrackerRequest = {
      type: 'register-proof',
      nodeId: node.id,
      publicKey: identity.publicKey,
      challenge,
      signature: identity.sign(registrationSigningBytes(challenge)),
    };
    this.transmit(this.outgoing(node, request, null), to);
  }

  /** Registered: a fresh backoff, the files announced, the requests that waited sent again. */
  registered(node: SimNode, token: Buffer): void {
    if (!node.registeredOnce) this.registeredNodes++;
    node.registering = false;
    node.registeredOnce = true;
    node.retryDelayMs = RETRY_MIN_MS;
    node.token = token;
    // After each registration, as a real node re-announces what it seeds.
    for (let file = 0; file < FILES_PER_NODE; file++) {
      this.send(node, {
        type: 'own',
        state: 'complete',
        token,
        infohash: infohashOf(node.id, file),
        size: FILE_SIZE_BYTES,
        name: fileName(node.id, file),
      });
    }
    const waiting = node.waiting ?? [];
    node.waiting = null;
    for (const item of waiting) {
      item.request = { ...item.request, token } as TrackerRequest;
      this.transmit(item);
    }
  }

  /** One heartbeat period of a node (its `round`-th): heartbeat, and for a needer NEED + UPDATE. */
  beat(node: SimNode, round: number): void {
    if (node.token === null) return;
    this.send(node, { type: 'heartbeat', token: node.token });
    // Lingering: heartbeats only, the credits are final.
    if (this.phase === 'linger' || node.id % NEEDER_EVERY !== 0) return;
    // Another node of the whole swarm (maybe one of another generator): its id is enough. With
    // a kill to audit, a new file each period: each download is then a fresh (host, file) pair
    // and every acknowledged UPDATE credits its whole size (the tracker caps credits per pair).
    const target = downloadTarget(node.id, this.failover ? round : 0, this.totalNodes);
    const { ownerId, file } = target;
    const query = { kind: 'name' as const, name: fileName(ownerId, file) };
    this.send(node, { type: 'need', exclude: [], token: node.token, query, maxOwners: 3 }, ownerId);
    // Audited credits start with the window, when every owner is registered and owns its files.
    if (this.failover && this.phase !== 'measure' && this.phase !== 'follow') return;
    const request: TrackerRequest = {
      type: 'update',
      token: node.token,
      infohash: infohashOf(ownerId, file),
      downloadId: randomBytes(DOWNLOAD_ID_BYTES),
      credits: [{ nodeId: ownerId, bytes: FILE_SIZE_BYTES }],
    };
    this.send(node, request, ownerId);
  }

  /** Sends `item` to `to` under a new txid (a first send, or a move to another tracker). */
  transmit(item: Outgoing, to = item.node.trackers.current): void {
    this.table.send(item, to, (txid) => encode(txid, item.request), performance.now());
  }

  /**
   * Registers again after the node's backoff. Retrying at once, as this generator used to, is
   * what no real node does: when the tracker fell behind, every timeout added a request and the
   * ramp collapsed into a storm of retries (4 million in 2 minutes at 100,000 nodes).
   */
  retryLater(node: SimNode): void {
    this.registerAfter(node, node.retryDelayMs * (0.5 + Math.random()));
    node.retryDelayMs = Math.min(node.retryDelayMs * 2, RETRY_CAP_MS);
  }

  /** Registers `node` in `delayMs`, unless the run is draining by then. */
  registerAfter(node: SimNode, delayMs: number): void {
    setTimeout(() => {
      if (this.phase !== 'drain') this.register(node);
    }, delayMs).unref();
  }

  private send(node: SimNode, request: TrackerRequest, ownerId: number | null = null): void {
    const item = this.outgoing(node, request, ownerId);
    if (this.phase === 'measure') this.window.sent++;
    this.transmit(item);
  }

  private outgoing(node: SimNode, request: TrackerRequest, ownerId: number | null): Outgoing {
    return {
      node,
      request,
      phase: this.phase,
      firstSentMs: performance.now(),
      movesLeft: node.trackers.all.length - 1,
      registeredAgain: false,
      moved: false,
      ownerId,
    };
  }
}

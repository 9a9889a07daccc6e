/**
 * The tracker's nodes: who holds which id, from which address, with which session token, and
 * when it was last heard. Liveness is derived from lastHeardMs and the sweep period, so a status
 * read between two sweeps is already right.
 */
import { timingSafeEqual } from 'node:crypto';
import type { RemoteAddress } from '../net/transport.ts';
import type { TokenProblem } from './events.ts';
import { hostKeyOf } from './host-key.ts';

/**
 * Downloader hosts remembered per node: its rank stops growing there (a LAN rarely has more
 * hosts fetching from one node), and so does its memory.
 */
export const MAX_DOWNLOADER_HOSTS = 64;

/** How a node looks to the tracker right now. */
export type NodeStatus = 'alive' | 'late' | 'dropped';

/** One registered node. */
export interface NodeRecord {
  readonly nodeId: number;
  /**
   * The node's Ed25519 public key: who holds the id. Null only for a record restored from a
   * database written before keys (bound by the first key that proves itself for the id).
   */
  publicKey: Buffer | null;
  address: RemoteAddress;
  /** Session token; null for a node restored from disk until it registers again. */
  token: Buffer | null;
  /** The challenge whose proof opened this session: a retransmitted proof gets the same token. */
  sessionChallenge: Buffer | null;
  lastHeardMs: number;
  joinedAtWallMs: number;
  /** Verified bytes downloaders reported (capped); shown, but not what ranks the node. */
  uploadCredit: number;
  /** Host keys of the downloaders on other hosts that credited it: its rank (see ranking.ts). */
  downloaderHosts: Set<string>;
  /** A 'late' event was already emitted for the current silence. */
  reportedLate: boolean;
}

/** A node removed by the sweep, kept briefly so the UI can show it as dropped. */
export interface DroppedNode {
  record: NodeRecord;
  droppedAtMs: number;
}

/** Result of checking a token against the address it came from. */
export type Authentication =
  | { ok: true; node: NodeRecord }
  | { ok: false; problem: TokenProblem; node?: NodeRecord };

/** Two keys (or challenges) are the same bytes; constant time. */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Same host and port. */
export function sameAddress(a: RemoteAddress, b: RemoteAddress): boolean {
  return a.address === b.address && a.port === b.port;
}

/** Nodes by id and by token. */
export class Registry {
  private readonly byId = new Map<number, NodeRecord>();
  private readonly byToken = new Map<string, NodeRecord>();
  /** Node ids by host key: what per-host bounds count. */
  private readonly byHost = new Map<string, Set<number>>();
  /** By node id: a node that registers again leaves this list at once. */
  private readonly dropped = new Map<number, DroppedNode>();

  constructor(private readonly sweepIntervalMs: number) {}

  /** Registered nodes (dropped ones excluded). */
  get size(): number {
    return this.byId.size;
  }

  get(nodeId: number): NodeRecord | undefined {
    return this.byId.get(nodeId);
  }

  /** Ids of the registered nodes whose address is on `hostKey` (see host-key.ts). */
  idsOnHost(hostKey: string): ReadonlySet<number> {
    return this.byHost.get(hostKey) ?? NO_IDS;
  }

  /** Every registered node, in registration order. */
  nodes(): IterableIterator<NodeRecord> {
    return this.byId.values();
  }

  /** Silent one sweep period: late; two: dropped (even before the sweep removes it). */
  statusOf(node: NodeRecord, nowMs: number): NodeStatus {
    const silentMs = nowMs - node.lastHeardMs;
    if (silentMs >= 2 * this.sweepIntervalMs) return 'dropped';
    if (silentMs >= this.sweepIntervalMs) return 'late';
    return 'alive';
  }

  /** Adds a new node (its id must be free). */
  add(node: NodeRecord): void {
    this.byId.set(node.nodeId, node);
    if (node.token) this.byToken.set(node.token.toString('hex'), node);
    this.addToHost(node);
    this.dropped.delete(node.nodeId);
  }

  /** Gives the node a new token and address; the previous token stops working at once. */
  renew(node: NodeRecord, token: Buffer, address: RemoteAddress, nowMs: number): void {
    if (node.token) this.byToken.delete(node.token.toString('hex'));
    this.removeFromHost(node);
    node.token = token;
    node.address = { address: address.address, port: address.port };
    this.addToHost(node);
    node.lastHeardMs = nowMs;
    node.reportedLate = false;
    this.byToken.set(token.toString('hex'), node);
  }

  /** True when no node currently holds this token. */
  tokenFree(token: Buffer): boolean {
    return !this.byToken.has(token.toString('hex'));
  }

  /**
   * The node a token belongs to, if it was presented from the address it was issued to. A token
   * seen from elsewhere is refused: that is what binds a session to an address (BEP 15).
   */
  authenticate(token: Buffer, from: RemoteAddress, nowMs: number): Authentication {
    const node = this.byToken.get(token.toString('hex'));
    if (!node?.token || !timingSafeEqual(node.token, token)) {
      return { ok: false, problem: 'unknown-token' };
    }
    if (!sameAddress(node.address, from)) return { ok: false, problem: 'wrong-address' };
    if (this.statusOf(node, nowMs) === 'dropped') {
      return { ok: false, problem: 'silent-too-long', node };
    }
    return { ok: true, node };
  }

  /** Removes a node; with the drop time given it stays visible to the UI for one sweep period. */
  remove(nodeId: number, keepVisibleFromMs: number | null): NodeRecord | undefined {
    const node = this.byId.get(nodeId);
    if (!node) return undefined;
    this.byId.delete(nodeId);
    if (node.token) this.byToken.delete(node.token.toString('hex'));
    this.removeFromHost(node);
    if (keepVisibleFromMs !== null) {
      this.dropped.set(nodeId, { record: node, droppedAtMs: keepVisibleFromMs });
    }
    return node;
  }

  /** Nodes dropped within the last sweep period, oldest first. */
  recentlyDropped(nowMs: number): DroppedNode[] {
    for (const [nodeId, dropped] of this.dropped) {
      if (nowMs - dropped.droppedAtMs >= this.sweepIntervalMs) this.dropped.delete(nodeId);
    }
    return [...this.dropped.values()];
  }

  private addToHost(node: NodeRecord): void {
    const hostKey = hostKeyOf(node.address);
    let ids = this.byHost.get(hostKey);
    if (!ids) {
      ids = new Set();
      this.byHost.set(hostKey, ids);
    }
    ids.add(node.nodeId);
  }

  private removeFromHost(node: NodeRecord): void {
    const hostKey = hostKeyOf(node.address);
    const ids = this.byHost.get(hostKey);
    ids?.delete(node.nodeId);
    if (ids?.size === 0) this.byHost.delete(hostKey);
  }
}

const NO_IDS: ReadonlySet<number> = new Set();

/**
 * The tracker's nodes: who holds which id, from which address, with which session token, and
 * when it was last heard. Liveness is derived from lastHeardMs and the sweep period, so a status
 * read between two sweeps is already right.
 */
import { timingSafeEqual } from 'node:crypto';
import type { RemoteAddress } from '../net/transport.ts';
import type { TokenProblem } from './events.ts';
import { hostKeyOf } from './host-key.ts';
import { countOf, Multimap, type OneOrMany, withValue } from './multimap.ts';

/**
 * Downloader hosts remembered per node: its rank stops growing there (a LAN rarely has more
 * hosts fetching from one node), and so does its memory.
 */
export const MAX_DOWNLOADER_HOSTS = 64;

/**
 * How a node looks to the tracker right now. `restored`: known from the store but not heard
 * since this tracker started (it has no session yet); a node that runs registers again within a
 * heartbeat period, one that does not goes late and is dropped like any silent node.
 */
export type NodeStatus = 'alive' | 'restored' | 'late' | 'dropped';

/** One registered node. */
export interface NodeRecord {
  readonly nodeId: number;
  /**
   * The node's Ed25519 public key: who holds the id. Null only for a record restored from a
   * database written before keys (bound by the first key that proves itself for the id).
   */
  publicKey: ByteString | null;
  address: RemoteAddress;
  /**
   * Session token, hex: also its key in the registry's token map, so one string serves both.
   * Null for a node restored from disk until it registers again.
   */
  tokenHex: string | null;
  /** The challenge whose proof opened this session: a retransmitted proof gets the same token. */
  sessionChallenge: ByteString | null;
  lastHeardMs: number;
  joinedAtWallMs: number;
  /** Verified bytes downloaders reported (capped); shown, but not what ranks the node. */
  uploadCredit: number;
  /**
   * Host keys of the downloaders on other hosts that credited it: its rank (see ranking.ts).
   * Most nodes have none, and hold no Set (see multimap.ts). Added by creditOwner only.
   */
  downloaderHosts: OneOrMany<string>;
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

/**
 * Bytes a node record keeps for as long as the node stays (its public key, its session's
 * challenge), held as a one-byte (latin1) string. A string lives in the V8 heap, 48 bytes for a
 * 32-byte key. A Buffer costs a ~96-byte object and its bytes outside the heap, and a small one
 * is a slice of Node's shared 8 KiB pool, whose whole chunk (short-lived replies and all) it
 * keeps alive: at 100,000 nodes that was 61 MiB of ArrayBuffers for ~6 MiB of keys.
 */
export type ByteString = string;

/** `bytes` as a ByteString. */
export function byteString(bytes: Uint8Array): ByteString {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** `kept` holds the same bytes as `bytes`; constant time. */
export function sameBytes(kept: ByteString, bytes: Buffer): boolean {
  return kept.length === bytes.length && timingSafeEqual(Buffer.from(kept, 'latin1'), bytes);
}

/**
 * Credits `owner` with bytes a downloader on `reporterHost` verified, and counts that host as one
 * of its downloaders: its rank. A host vouching for its own nodes proves nothing, and one host
 * counts once, up to MAX_DOWNLOADER_HOSTS.
 */
export function creditOwner(owner: NodeRecord, bytes: number, reporterHost: string): void {
  owner.uploadCredit = Math.min(Number.MAX_SAFE_INTEGER, owner.uploadCredit + bytes);
  if (hostKeyOf(owner.address) === reporterHost) return;
  if (countOf(owner.downloaderHosts) >= MAX_DOWNLOADER_HOSTS) return;
  owner.downloaderHosts = withValue(owner.downloaderHosts, reporterHost);
}

/** Same host and port. */
export function sameAddress(a: RemoteAddress, b: RemoteAddress): boolean {
  return a.address === b.address && a.port === b.port;
}

/** Nodes by id and by token. */
export class Registry {
  private readonly byId = new Map<number, NodeRecord>();
  private readonly byToken = new Map<string, NodeRecord>();
  /** Node ids by host key: what per-host bounds count. Most hosts run one node. */
  private readonly byHost = new Multimap<string, number>();
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
  idsOnHost(hostKey: string): Iterable<number> {
    return this.byHost.valuesOf(hostKey);
  }

  /** How many registered nodes have their address on `hostKey`. */
  countOnHost(hostKey: string): number {
    return this.byHost.count(hostKey);
  }

  /**
   * True while the shared store is out (see TrackerState.sweep): nobody is dropped, and a node
   * silent past the drop reads late, not dropped. Its row read `dropped` for as long, its files
   * lost it as an owner and its token was refused, while it may have been heard all along by
   * another tracker (found by a session).
   */
  dropsHeld = false;

  /** Every registered node, in registration order. */
  nodes(): IterableIterator<NodeRecord> {
    return this.byId.values();
  }

  /**
   * Silent one sweep period: late; two: dropped (even before the sweep removes it), unless drops
   * are held (dropsHeld). A restored record counts as heard when it was restored, but until it
   * registers it is not shown alive: nothing has been heard from it.
   */
  statusOf(node: NodeRecord, nowMs: number): NodeStatus {
    const silentMs = nowMs - node.lastHeardMs;
    if (silentMs >= this.dropAfterSilentMs && !this.dropsHeld) return 'dropped';
    if (silentMs >= this.sweepIntervalMs) return 'late';
    return node.tokenHex === null ? 'restored' : 'alive';
  }

  /** How much longer `node` may stay silent before it counts as dropped (0 once it does). */
  silenceLeftMs(node: NodeRecord, nowMs: number): number {
    return Math.max(0, node.lastHeardMs + this.dropAfterSilentMs - nowMs);
  }

  private get dropAfterSilentMs(): number {
    return 2 * this.sweepIntervalMs;
  }

  /** Adds a new node (its id must be free). */
  add(node: NodeRecord): void {
    this.byId.set(node.nodeId, node);
    if (node.tokenHex !== null) this.byToken.set(node.tokenHex, node);
    this.addToHost(node);
    this.dropped.delete(node.nodeId);
  }

  /** Gives the node a new token and address; the previous token stops working at once. */
  renew(node: NodeRecord, token: Buffer, address: RemoteAddress, nowMs: number): void {
    if (node.tokenHex !== null) this.byToken.delete(node.tokenHex);
    this.removeFromHost(node);
    node.tokenHex = token.toString('hex');
    node.address = { address: address.address, port: address.port };
    this.addToHost(node);
    node.lastHeardMs = nowMs;
    node.reportedLate = false;
    this.byToken.set(node.tokenHex, node);
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
    // Finding the hex is the comparison: hex is one-to-one with the bytes.
    const node = this.byToken.get(token.toString('hex'));
    if (!node) return { ok: false, problem: 'unknown-token' };
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
    if (node.tokenHex !== null) this.byToken.delete(node.tokenHex);
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
    this.byHost.add(hostKeyOf(node.address), node.nodeId);
  }

  private removeFromHost(node: NodeRecord): void {
    this.byHost.delete(hostKeyOf(node.address), node.nodeId);
  }
}

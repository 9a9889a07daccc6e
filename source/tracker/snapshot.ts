/**
 * The tracker as the UI sees it: an immutable value rebuilt when something changed. Rows are
 * plain data, already sorted, so a component only draws them.
 */
import { formatAddress } from './events.ts';
import { countOf } from './multimap.ts';
import type { OwnerIndex } from './owner-index.ts';
import { compareOwners, type RankedOwner } from './ranking.ts';
import type { NodeRecord, NodeStatus, Registry } from './registry.ts';

/** Figures only the server knows (the state machine has no socket and no uptime). */
export interface ServerFigures {
  /** `host:port` the tracker listens on. */
  listeningAddress: string;
  /**
   * `host:port` a node gives as --tracker: the listening address, or on every address (0.0.0.0)
   * the machine's first other one; '' when not known.
   */
  addressForNodes: string;
  uptimeMs: number;
  /** Tracker requests handled over the last second. */
  requestsPerSecond: number;
  /** Datagrams that failed to decode since start. */
  decodeErrors: number;
}

/** The header line of the tracker view. */
export interface TrackerSnapshotHeader extends ServerFigures {
  nodesAlive: number;
  nodesLate: number;
  /** Restored from the store and not heard since the tracker started. */
  nodesRestored: number;
  files: number;
}

/** One row of the nodes table. */
export interface NodeRow {
  nodeId: number;
  /** `host:port`. */
  address: string;
  status: NodeStatus;
  lastHeardAgoMs: number;
  filesSeeded: number;
  uploadCredit: number;
  /** Distinct other hosts that credited it: what ranks it (see ranking.ts). */
  downloaders: number;
  joinedAtWallMs: number;
  /** The tracker it talks to (`host:port`) when trackers share the swarm; '' otherwise. */
  tracker: string;
}

/** One owner of a file, in ranking order. */
export interface FileOwnerRow {
  nodeId: number;
  uploadCredit: number;
  /** Distinct other hosts that credited it: what ranks it (bytes are shown, never compared). */
  downloaders: number;
  /** False for a partial owner (a downloader serving the pieces it has). */
  complete: boolean;
}

/** One row of the owner index. */
export interface FileRow {
  infohashHex: string;
  name: string;
  sizeBytes: number;
  owners: readonly FileOwnerRow[];
  completeOwners: number;
  partialOwners: number;
  /** Exactly one complete owner left: the whole file vanishes from the swarm if it goes. */
  lastOwner: boolean;
}

/** Everything the tracker view draws. */
export interface TrackerSnapshot {
  header: TrackerSnapshotHeader;
  /** By node id; includes nodes dropped within the last sweep period. */
  nodes: readonly NodeRow[];
  /** By name, then infohash. */
  files: readonly FileRow[];
}

/** Figures for a state machine that is not behind a server (tests, tools). */
export const NO_SERVER_FIGURES: ServerFigures = {
  listeningAddress: '',
  addressForNodes: '',
  uptimeMs: 0,
  requestsPerSecond: 0,
  decodeErrors: 0,
};

function nodeRow(
  node: NodeRecord,
  status: NodeStatus,
  nowMs: number,
  filesSeeded: number,
  tracker: string,
): NodeRow {
  return Object.freeze({
    nodeId: node.nodeId,
    address: formatAddress(node.address),
    status,
    lastHeardAgoMs: Math.max(0, nowMs - node.lastHeardMs),
    filesSeeded,
    uploadCredit: node.uploadCredit,
    downloaders: countOf(node.downloaderHosts),
    joinedAtWallMs: node.joinedAtWallMs,
    tracker,
  });
}

/** The tracker a node talks to (`host:port`), '' when not known or not shared. */
export type TrackerOf = (nodeId: number) => string;
const NO_TRACKER: TrackerOf = () => '';

/** Node rows by id, with the recently dropped ones. The array is frozen. */
export function buildNodeRows(
  registry: Registry,
  index: OwnerIndex,
  nowMs: number,
  trackerOf: TrackerOf = NO_TRACKER,
): readonly NodeRow[] {
  const rows: NodeRow[] = [];
  for (const node of registry.nodes()) {
    rows.push(
      nodeRow(
        node,
        registry.statusOf(node, nowMs),
        nowMs,
        index.countOwnedBy(node.nodeId),
        trackerOf(node.nodeId),
      ),
    );
  }
  for (const { record } of registry.recentlyDropped(nowMs)) {
    if (!registry.get(record.nodeId)) rows.push(nodeRow(record, 'dropped', nowMs, 0, ''));
  }
  return Object.freeze(rows.sort((a, b) => a.nodeId - b.nodeId));
}

/** File rows by name, owners ranked as a NEED ranks them, dropped owners left out. Frozen. */
export function buildFileRows(
  registry: Registry,
  index: OwnerIndex,
  nowMs: number,
): readonly FileRow[] {
  const rows = index.sorted().map((file) => {
    const owners: RankedOwner[] = [];
    for (const nodeId of file.ownerIds()) {
      const node = registry.get(nodeId);
      const status = node ? registry.statusOf(node, nowMs) : 'dropped';
      if (node && status !== 'dropped') {
        const complete = !file.isPartialOwner(nodeId);
        const unconfirmed = status !== 'alive';
        const { uploadCredit } = node;
        const downloaders = countOf(node.downloaderHosts);
        owners.push({ nodeId, unconfirmed, downloaders, uploadCredit, complete, tieKey: nodeId });
      }
    }
    owners.sort(compareOwners);
    const completeOwners = owners.filter((owner) => owner.complete).length;
    return Object.freeze({
      infohashHex: file.infohashHex,
      name: file.name,
      sizeBytes: file.sizeBytes,
      owners: Object.freeze(
        owners.map(({ nodeId, uploadCredit, downloaders, complete }) =>
          Object.freeze({ nodeId, uploadCredit, downloaders, complete }),
        ),
      ),
      completeOwners,
      partialOwners: owners.length - completeOwners,
      lastOwner: completeOwners === 1,
    });
  });
  return Object.freeze(rows);
}

/** The header's node counts by status (dropped nodes are not counted). */
export interface StatusCounts {
  alive: number;
  late: number;
  restored: number;
}

/**
 * Counts for the header, and the nodes not alive by their status: all that time changes in the
 * file rows (an owner late or restored ranks last, a dropped one is left out).
 */
function countStatuses(registry: Registry, nowMs: number): { counts: StatusCounts; key: string } {
  const counts = { alive: 0, late: 0, restored: 0 };
  let key = '';
  for (const node of registry.nodes()) {
    const status = registry.statusOf(node, nowMs);
    if (status !== 'dropped') counts[status]++;
    if (status !== 'alive') key += `${node.nodeId}${status[0]} `;
  }
  return { counts, key };
}

/** Assembles and freezes a snapshot; frozen row arrays are shared between snapshots. */
export function assembleSnapshot(
  header: TrackerSnapshotHeader,
  nodes: readonly NodeRow[],
  files: readonly FileRow[],
): TrackerSnapshot {
  return Object.freeze({ header: Object.freeze({ ...header }), nodes, files });
}

/** Rows and counts built at one state version and time. */
interface BuiltRows {
  version: number;
  builtAtMs: number;
  counts: StatusCounts;
  /** The nodes not alive when built, as countStatuses says them. */
  statusKey: string;
  nodes: readonly NodeRow[];
  files: readonly FileRow[];
}

/** When built rows may be reused instead of rebuilt. */
export interface RowReuse {
  /** Rows of the current version younger than this are reused (0: always rebuild). */
  maxAgeMs: number;
  /** Rows younger than this are reused even if the state changed (rebuilds are rate-limited). */
  minRebuildGapMs: number;
}

/** Always rebuild: what a test wants. */
export const NO_ROW_REUSE: RowReuse = { maxAgeMs: 0, minRebuildGapMs: 0 };

/** Reuses built rows while the state version is unchanged and they are young enough. */
export class SnapshotRows {
  private built: BuiltRows | null = null;

  /** State version and time of the newest rows (-1 and NaN before the first build). */
  get lastBuild(): { version: number; builtAtMs: number } {
    return { version: this.built?.version ?? -1, builtAtMs: this.built?.builtAtMs ?? Number.NaN };
  }

  /** Rows for `version` at `nowMs`, reused as `reuse` allows. */
  current(
    registry: Registry,
    index: OwnerIndex,
    version: number,
    nowMs: number,
    reuse: RowReuse,
    trackerOf: TrackerOf = NO_TRACKER,
  ): BuiltRows {
    const built = this.built;
    if (built) {
      const ageMs = nowMs - built.builtAtMs;
      if (ageMs < reuse.minRebuildGapMs) return built;
      if (built.version === version && ageMs < reuse.maxAgeMs) return built;
    }
    const { counts, key } = countStatuses(registry, nowMs);
    // The node rows' ages are rebuilt; the file rows only if something they show changed. They
    // are the same object then, which a view measures once (3,000 files: a full-screen view
    // built and measured every row each 2 s, 1.35 % of a core idle).
    const sameFiles = built?.version === version && built.statusKey === key;
    this.built = {
      version,
      builtAtMs: nowMs,
      counts,
      statusKey: key,
      nodes: buildNodeRows(registry, index, nowMs, trackerOf),
      files: sameFiles ? built.files : buildFileRows(registry, index, nowMs),
    };
    return this.built;
  }
}

/**
 * Between live state and its persisted form. Restored nodes have no token (their next message
 * gets 'reregister') and count as heard at restore time, so a node that never comes back is
 * dropped after two sweeps like any other.
 */
import { validateFileName } from '../protocol/names.ts';
import type { FileRecord } from './file-record.ts';
import { oneOrManyOf, valuesOf } from './multimap.ts';
import type { OwnerIndex } from './owner-index.ts';
import type { PersistedFile, PersistedNode, PersistedTracker } from './persisted.ts';
import { byteString, type NodeRecord, type Registry } from './registry.ts';

/** The persisted form of the registry and index, files by name, owners by id. */
export function persistState(registry: Registry, index: OwnerIndex): PersistedTracker {
  const nodes = [...registry.nodes()].sort((a, b) => a.nodeId - b.nodeId).map(persistNode);
  const files: PersistedFile[] = [];
  for (const file of index.sorted()) {
    const persisted = persistFile(file);
    if (persisted) files.push(persisted);
  }
  return { nodes, files };
}

/** One node as persisted (every store writes this record, whatever fields it has). */
export function persistNode(node: NodeRecord): PersistedNode {
  return {
    nodeId: node.nodeId,
    ...(node.publicKey ? { publicKey: Buffer.from(node.publicKey, 'latin1').toString('hex') } : {}),
    uploadCredit: node.uploadCredit,
    downloaders: [...valuesOf(node.downloaderHosts)],
    host: node.address.address,
    port: node.address.port,
    joinedAtWallMs: node.joinedAtWallMs,
  };
}

/** A live record rebuilt from its persisted form: no token until it registers again. */
export function restoreNode(node: PersistedNode, lastHeardMs: number): NodeRecord {
  return {
    nodeId: node.nodeId,
    // A legacy record's keyHash is of a reusable key no node sends any more: dropped.
    publicKey: node.publicKey ? byteString(Buffer.from(node.publicKey, 'hex')) : null,
    address: { address: node.host, port: node.port },
    tokenHex: null,
    sessionChallenge: null,
    lastHeardMs,
    joinedAtWallMs: node.joinedAtWallMs,
    uploadCredit: node.uploadCredit,
    downloaderHosts: oneOrManyOf(node.downloaders ?? []),
    reportedLate: false,
  };
}

/**
 * One file as persisted, with its complete owners only, or null when it has none. Partial
 * owners are not kept: after a restart they announce what they have again.
 */
export function persistFile(file: FileRecord): PersistedFile | null {
  if (file.ownerCount <= file.partialOwnerCount) return null;
  return {
    infohash: file.infohashHex,
    name: file.name,
    size: file.sizeBytes,
    owners: [...file.ownerIds()]
      .filter((owner) => !file.isPartialOwner(owner))
      .sort((a, b) => a - b),
  };
}

/**
 * Loads persisted entries into an empty registry and index. Returns how many entries were left
 * out (duplicate ids, bad names, owners that are not registered, conflicts, bounds), each of
 * which a correct database never contains.
 */
export function restoreState(
  persisted: PersistedTracker,
  registry: Registry,
  index: OwnerIndex,
  maxNodes: number,
  nowMs: number,
): number {
  let ignored = 0;
  for (const node of persisted.nodes) {
    if (registry.get(node.nodeId) || registry.size >= maxNodes) {
      ignored++;
      continue;
    }
    registry.add(restoreNode(node, nowMs));
  }
  for (const file of persisted.files) {
    if (validateFileName(file.name) !== null) {
      ignored++;
      continue;
    }
    const infohash = Buffer.from(file.infohash, 'hex');
    for (const owner of file.owners) {
      const added = registry.get(owner)
        ? index.addOwner(infohash, file.name, file.size, owner).kind
        : 'unknown-owner';
      if (added !== 'added') ignored++;
    }
  }
  return ignored;
}

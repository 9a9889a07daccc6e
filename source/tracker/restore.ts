/**
 * Between live state and its persisted form. Restored nodes have no token (their next message
 * gets 'reregister') and count as heard at restore time, so a node that never comes back is
 * dropped after two sweeps like any other.
 */
import { validateFileName } from '../protocol/names.ts';
import type { OwnerIndex } from './owner-index.ts';
import type { PersistedTracker } from './persisted.ts';
import type { Registry } from './registry.ts';

/** The persisted form of the registry and index, files by name, owners by id. */
export function persistState(registry: Registry, index: OwnerIndex): PersistedTracker {
  const nodes = [...registry.nodes()]
    .sort((a, b) => a.nodeId - b.nodeId)
    .map((node) => ({
      nodeId: node.nodeId,
      keyHash: node.keyHash.toString('hex'),
      uploadCredit: node.uploadCredit,
      host: node.address.address,
      port: node.address.port,
      joinedAtWallMs: node.joinedAtWallMs,
    }));
  // Partial owners are not kept: after a restart they announce what they have again.
  const files = index
    .sorted()
    .filter((file) => file.owners.size > file.partialOwners.size)
    .map((file) => ({
      infohash: file.infohashHex,
      name: file.name,
      size: file.sizeBytes,
      owners: [...file.owners]
        .filter((owner) => !file.partialOwners.has(owner))
        .sort((a, b) => a - b),
    }));
  return { nodes, files };
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
    registry.add({
      nodeId: node.nodeId,
      keyHash: Buffer.from(node.keyHash, 'hex'),
      address: { address: node.host, port: node.port },
      token: null,
      lastHeardMs: nowMs,
      joinedAtWallMs: node.joinedAtWallMs,
      uploadCredit: node.uploadCredit,
      reportedLate: false,
    });
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

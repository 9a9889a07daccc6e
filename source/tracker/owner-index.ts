/**
 * Which node seeds which file: infohash -> {name, size, owners}, with lookups by name and by
 * owner. A file lives here while it has at least one owner; the last owner leaving removes it,
 * so a stale entry can never block a new OWN with a conflict.
 */

/** One file known to the swarm. */
export interface FileRecord {
  readonly infohash: Buffer;
  readonly infohashHex: string;
  readonly name: string;
  readonly sizeBytes: number;
  /** Every owner, complete or partial. */
  readonly owners: Set<number>;
  /** The owners that have only some pieces (downloaders that already serve what they have). */
  readonly partialOwners: Set<number>;
}

/** Bounds that keep the tracker's memory finite whatever the swarm sends. */
export interface OwnerIndexLimits {
  maxFiles: number;
  maxFilesPerNode: number;
}

/** Outcome of an OWN. */
export type AddOwnerResult =
  | { kind: 'added'; file: FileRecord }
  | { kind: 'already-owner'; file: FileRecord }
  /** A partial owner announced that it now has the whole file. */
  | { kind: 'completed'; file: FileRecord }
  | { kind: 'conflict'; file: FileRecord }
  | { kind: 'full'; limit: 'files' | 'files-per-node' };

/** The owner index. */
export class OwnerIndex {
  private readonly files = new Map<string, FileRecord>();
  private readonly byName = new Map<string, Set<FileRecord>>();
  private readonly byOwner = new Map<number, Set<FileRecord>>();
  /** Files by name then infohash; rebuilt lazily after a file is added or removed. */
  private sortedCache: FileRecord[] | null = null;

  constructor(private readonly limits: OwnerIndexLimits) {}

  get fileCount(): number {
    return this.files.size;
  }

  get(infohashHex: string): FileRecord | undefined {
    return this.files.get(infohashHex);
  }

  /** Files with exactly this name (several contents may share one name). */
  named(name: string): readonly FileRecord[] {
    const set = this.byName.get(name);
    return set ? [...set] : [];
  }

  /** The infohashes (hex) of the files this node owns, complete or partial. */
  ownedBy(nodeId: number): string[] {
    const owned = this.byOwner.get(nodeId);
    return owned ? [...owned].map((file) => file.infohashHex) : [];
  }

  /** How many files this node seeds. */
  countOwnedBy(nodeId: number): number {
    return this.byOwner.get(nodeId)?.size ?? 0;
  }

  /**
   * Records `nodeId` as an owner (complete, or partial: some verified pieces), creating the file
   * entry if it is new. A partial owner that announces the whole file becomes complete; a
   * complete owner never goes back to partial.
   */
  addOwner(
    infohash: Buffer,
    name: string,
    sizeBytes: number,
    nodeId: number,
    complete = true,
  ): AddOwnerResult {
    const infohashHex = infohash.toString('hex');
    const existing = this.files.get(infohashHex);
    if (existing && (existing.name !== name || existing.sizeBytes !== sizeBytes)) {
      return { kind: 'conflict', file: existing };
    }
    if (existing?.owners.has(nodeId)) {
      if (complete && existing.partialOwners.delete(nodeId))
        return { kind: 'completed', file: existing };
      return { kind: 'already-owner', file: existing };
    }
    if (this.countOwnedBy(nodeId) >= this.limits.maxFilesPerNode) {
      return { kind: 'full', limit: 'files-per-node' };
    }
    let file = existing;
    if (!file) {
      if (this.files.size >= this.limits.maxFiles) return { kind: 'full', limit: 'files' };
      file = {
        infohash: Buffer.from(infohash),
        infohashHex,
        name,
        sizeBytes,
        owners: new Set(),
        partialOwners: new Set(),
      };
      this.files.set(infohashHex, file);
      setOf(this.byName, name).add(file);
      this.sortedCache = null;
    }
    file.owners.add(nodeId);
    if (!complete) file.partialOwners.add(nodeId);
    setOf(this.byOwner, nodeId).add(file);
    return { kind: 'added', file };
  }

  /** `nodeId` stops serving one file (it unseeded it or cancelled its download). */
  withdraw(infohashHex: string, nodeId: number): FileRecord | null {
    const file = this.files.get(infohashHex);
    if (!file?.owners.has(nodeId)) return null;
    file.owners.delete(nodeId);
    file.partialOwners.delete(nodeId);
    const owned = this.byOwner.get(nodeId);
    owned?.delete(file);
    if (owned?.size === 0) this.byOwner.delete(nodeId);
    if (file.owners.size === 0) this.removeFile(file);
    return file;
  }

  /** Removes every ownership of a node; returns how many files lost an owner. */
  removeOwner(nodeId: number): number {
    const owned = this.byOwner.get(nodeId);
    if (!owned) return 0;
    this.byOwner.delete(nodeId);
    for (const file of owned) {
      file.owners.delete(nodeId);
      file.partialOwners.delete(nodeId);
      if (file.owners.size === 0) this.removeFile(file);
    }
    return owned.size;
  }

  /** Every file, by name then infohash. The array is shared: do not modify it. */
  sorted(): readonly FileRecord[] {
    if (!this.sortedCache) {
      this.sortedCache = [...this.files.values()].sort(
        (a, b) => compareText(a.name, b.name) || compareText(a.infohashHex, b.infohashHex),
      );
    }
    return this.sortedCache;
  }

  private removeFile(file: FileRecord): void {
    this.files.delete(file.infohashHex);
    const sameName = this.byName.get(file.name);
    sameName?.delete(file);
    if (sameName?.size === 0) this.byName.delete(file.name);
    this.sortedCache = null;
  }
}

/** Code-unit order: the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

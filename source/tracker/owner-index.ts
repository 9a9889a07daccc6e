/**
 * Which node seeds which file: infohash -> {name, size, owners}, with lookups by name and by
 * owner. A file lives here while it has at least one owner; the last owner leaving removes it,
 * so a stale entry can never block a new OWN with a conflict.
 */
import { compareNatural } from '../natural-order.ts';
import { FileRecord } from './file-record.ts';
import { Multimap } from './multimap.ts';

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

/** Names a log line gives of the files a leaving node took with it; then "and N more". */
const GONE_NAMES_KEPT = 3;

/** What a node's leaving did to the owner index. */
export interface OwnersLost {
  filesLostOwner: number;
  /** Files it was the last owner of: gone from the swarm. */
  filesGone: number;
  /** The first GONE_NAMES_KEPT of their names. */
  goneNames: string[];
}

/** The owner index. */
export class OwnerIndex {
  private readonly files = new Map<string, FileRecord>();
  /** Most names have one file and most nodes a few: Multimap holds one value without a Set. */
  private readonly byName = new Multimap<string, FileRecord>();
  private readonly byOwner = new Multimap<number, FileRecord>();
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
    return [...this.byName.valuesOf(name)];
  }

  /** The infohashes (hex) of the files this node owns, complete or partial. */
  ownedBy(nodeId: number): string[] {
    return Array.from(this.byOwner.valuesOf(nodeId), (file) => file.infohashHex);
  }

  /** How many files this node seeds. */
  countOwnedBy(nodeId: number): number {
    return this.byOwner.count(nodeId);
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
    if (existing?.hasOwner(nodeId)) {
      return { kind: existing.addOwner(nodeId, complete), file: existing };
    }
    if (this.countOwnedBy(nodeId) >= this.limits.maxFilesPerNode) {
      return { kind: 'full', limit: 'files-per-node' };
    }
    let file = existing;
    if (!file) {
      if (this.files.size >= this.limits.maxFiles) return { kind: 'full', limit: 'files' };
      file = new FileRecord(infohashHex, name, sizeBytes);
      this.files.set(infohashHex, file);
      this.byName.add(name, file);
      this.sortedCache = null;
    }
    file.addOwner(nodeId, complete);
    this.byOwner.add(nodeId, file);
    return { kind: 'added', file };
  }

  /** `nodeId` stops serving one file (it unseeded it or cancelled its download). */
  withdraw(infohashHex: string, nodeId: number): FileRecord | null {
    const file = this.files.get(infohashHex);
    if (!file?.removeOwner(nodeId)) return null;
    this.byOwner.delete(nodeId, file);
    if (file.ownerCount === 0) this.removeFile(file);
    return file;
  }

  /** Removes every ownership of a node: how many files lost an owner, and which lost their last. */
  removeOwner(nodeId: number): OwnersLost {
    const lost: OwnersLost = { filesLostOwner: 0, filesGone: 0, goneNames: [] };
    for (const file of this.byOwner.take(nodeId)) {
      file.removeOwner(nodeId);
      lost.filesLostOwner++;
      if (file.ownerCount > 0) continue;
      this.removeFile(file);
      lost.filesGone++;
      if (lost.goneNames.length < GONE_NAMES_KEPT) lost.goneNames.push(file.name);
    }
    return lost;
  }

  /** Every file, in no order. */
  all(): IterableIterator<FileRecord> {
    return this.files.values();
  }

  /** Every file, by name (`f2` before `f10`), then infohash. Shared: do not modify it. */
  sorted(): readonly FileRecord[] {
    if (!this.sortedCache) {
      this.sortedCache = [...this.files.values()].sort(
        (a, b) => compareNatural(a.name, b.name) || compareText(a.infohashHex, b.infohashHex),
      );
    }
    return this.sortedCache;
  }

  private removeFile(file: FileRecord): void {
    this.files.delete(file.infohashHex);
    this.byName.delete(file.name, file);
    this.sortedCache = null;
  }
}

/** Code-unit order: the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

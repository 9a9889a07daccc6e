import type { Clock } from '../clock.ts';
import type { PeerSnapshot } from '../peer/peer-snapshot.ts';
import type { SwarmDirectory } from '../peer/swarm-directory.ts';

/** What a peer view reads from its node here. */
interface SnapshotStore {
  getSnapshot(): PeerSnapshot;
  subscribe(listener: () => void): () => void;
}

/**
 * Keeps the peer view's swarm listing live: a quiet refresh every few seconds, and at once when
 * what this node offers changes (a file starts or stops seeding, a download ends and is seeded,
 * the tracker learns it serves a download's verified pieces) or it gets registered. Returns the
 * function that stops both.
 */
export function keepSwarmListingLive(
  node: SnapshotStore,
  swarm: SwarmDirectory,
  clock: Clock,
  intervalMs?: number,
): () => void {
  swarm.keepFresh(clock, intervalMs);
  let offered = offerOf(node.getSnapshot());
  const unsubscribe = node.subscribe(() => {
    const now = offerOf(node.getSnapshot());
    if (now === offered) return;
    offered = now;
    void swarm.refresh({ quiet: true });
  });
  return () => {
    unsubscribe();
    swarm.stop();
  };
}

/**
 * The part of a snapshot that changes what the tracker lists: our registration, seeds, and the
 * downloads the tracker counts us an owner of (Swarm files says `you + N` for those).
 */
function offerOf(snapshot: PeerSnapshot): string {
  const seeding = snapshot.files.filter((file) => file.state.kind === 'seeding');
  const partial = snapshot.downloads.filter((download) => download.partialOwner);
  return [
    snapshot.tracker.status === 'registered',
    ...seeding.map((file) => file.name),
    ...partial.map((download) => `partial ${download.infohashHex}`),
  ].join('\n');
}

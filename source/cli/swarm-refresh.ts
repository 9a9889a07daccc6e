import type { Clock, TimerHandle } from '../clock.ts';
import type { PeerSnapshot } from '../peer/peer-snapshot.ts';
import type { SwarmDirectory } from '../peer/swarm-directory.ts';

/** What a peer view reads from its node here. */
interface SnapshotStore {
  getSnapshot(): PeerSnapshot;
  subscribe(listener: () => void): () => void;
}

/**
 * Keeps the peer view's swarm listing live: a quiet refresh every few seconds, and soon after
 * what this node offers changes (a file starts or stops seeding, a download ends and is seeded,
 * the tracker learns it serves a download's verified pieces) or it gets registered: at once for
 * a small swarm (see OFFER_REFRESH_MS_PER_PAGE). Returns the function that stops both.
 */
export function keepSwarmListingLive(
  node: SnapshotStore,
  swarm: SwarmDirectory,
  clock: Clock,
  intervalMs?: number,
): () => void {
  swarm.keepFresh(clock, intervalMs);
  let offered = offerOf(node.getSnapshot());
  let readAgain: TimerHandle | null = null;
  let lastEndedMs = Number.NEGATIVE_INFINITY;
  const unsubscribe = node.subscribe(() => {
    const now = offerOf(node.getSnapshot());
    if (now === offered) return;
    offered = now;
    if (readAgain !== null) return;
    const spacingMs = swarm.pagesPerRead * OFFER_REFRESH_MS_PER_PAGE;
    readAgain = clock.setTimeout(
      () => {
        readAgain = null;
        void swarm.refreshAgain().finally(() => {
          lastEndedMs = clock.now();
        });
      },
      Math.max(0, lastEndedMs + spacingMs - clock.now()),
    );
    readAgain.unref?.();
  });
  return () => {
    unsubscribe();
    if (readAgain !== null) clock.clearTimeout(readAgain);
    swarm.stop();
  };
}

/**
 * After this node's offer changed, the listing is read again no sooner than this per page of the
 * last read after that read ended, and once for all the changes meanwhile: a small swarm's
 * listing (one page) 100 ms after a seed, one of 2,000 files (63 pages) 6.3 s after, so at most 10
 * LISTs a second of the 200 a host may send the tracker. Before, a node seeding 3,000 files from
 * its view read all 63 pages after every snapshot that seeded one more: the host's budget went
 * to LISTs, the tracker dropped the node's own OWNs, and seeding ran at ~70 files a second
 * instead of the ~200 the budget allows (found by hand).
 */
const OFFER_REFRESH_MS_PER_PAGE = 100;

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

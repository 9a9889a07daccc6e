import type { Clock, TimerHandle } from '../clock.ts';
import type { ListReplyMessage } from '../protocol/messages.ts';
import type { TrackerOutcome } from './tracker-client.ts';

/** One file the swarm offers, as the download picker lists it. */
export interface SwarmFile {
  name: string;
  sizeBytes: number;
  ownerCount: number;
  infohashHex: string;
}

export interface SwarmListing {
  files: readonly SwarmFile[];
  /** Files the tracker has: more than `files` when its listing was longer than MAX_PAGES. */
  totalFiles: number;
  state: 'empty' | 'loading' | 'ready' | 'error';
  error: string;
  refreshedAtWallMs: number;
}

/**
 * Pages of the swarm listing; a huge swarm is cut here rather than read forever (~2,000 files,
 * the first by name: the view says so, and D downloads any file by its name).
 */
const MAX_PAGES = 64;
/**
 * How often an open view reads the listing again, at least. A page answers a few dozen files,
 * so a small swarm costs the tracker one or two small requests per viewer every few seconds.
 */
export const SWARM_REFRESH_INTERVAL_MS = 5_000;

/**
 * A big swarm is read again less often: on average at most one page per this long, per viewer.
 * Every 5 s, a listing of 2,000 files (63 pages) cost an idle view 1.7 % of a core and the
 * tracker 13 requests a second per viewer; now once in 32 s. `r` reads it at once.
 */
export const SWARM_REFRESH_MS_PER_PAGE = 500;

/**
 * The swarm's files from the tracker's LIST, paged, kept as a store for the download picker.
 * Read on demand (the `r` key) and, while a view is open, every few seconds (`keepFresh`);
 * a background read that finds nothing new does not disturb the view.
 */
export class SwarmDirectory {
  private listing: SwarmListing = {
    files: [],
    totalFiles: 0,
    state: 'empty',
    error: '',
    refreshedAtWallMs: 0,
  };
  private readonly listeners = new Set<() => void>();
  private loading: Promise<void> | null = null;
  private periodic: { clock: Clock; handle: TimerHandle | null } | null = null;
  /** Pages the last read asked for (its cost, which spaces the periodic reads). */
  private pagesRead = 0;

  constructor(
    private readonly list: (cursor: number) => Promise<TrackerOutcome<ListReplyMessage>>,
    private readonly wallNow: () => number,
  ) {}

  getSnapshot = (): SwarmListing => this.listing;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /**
   * Reads every page again; concurrent calls share one refresh. `quiet` (the periodic and
   * automatic reads) keeps the current list on screen instead of showing "refreshing".
   */
  refresh(options: { quiet?: boolean } = {}): Promise<void> {
    this.loading ??= this.load(options.quiet === true).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /**
   * Reads every page again once the read under way, if any, has ended: a change made while it
   * ran may be on a page it had read already.
   */
  refreshAgain(): Promise<void> {
    const underWay = this.loading;
    return underWay
      ? underWay.then(() => this.refresh({ quiet: true }))
      : this.refresh({ quiet: true });
  }

  /** Pages the last read asked for: what reading the listing again costs the tracker. */
  get pagesPerRead(): number {
    return this.pagesRead;
  }

  /**
   * Refreshes quietly until stop(): `intervalMs` after the last read ended, or longer for a
   * listing of many pages (SWARM_REFRESH_MS_PER_PAGE each).
   */
  keepFresh(clock: Clock, intervalMs = SWARM_REFRESH_INTERVAL_MS): void {
    this.stop();
    const periodic = { clock, handle: null as TimerHandle | null };
    this.periodic = periodic;
    const tick = () => {
      const waitMs = Math.max(intervalMs, this.pagesRead * SWARM_REFRESH_MS_PER_PAGE);
      periodic.handle = clock.setTimeout(() => {
        void this.refresh({ quiet: true }).finally(() => {
          if (this.periodic === periodic) tick();
        });
      }, waitMs);
      periodic.handle.unref?.();
    };
    tick();
  }

  /** Stops the periodic refresh of keepFresh(). */
  stop(): void {
    const periodic = this.periodic;
    this.periodic = null;
    if (periodic?.handle) periodic.clock.clearTimeout(periodic.handle);
  }

  private async load(quiet: boolean): Promise<void> {
    // A quiet read shows nothing until it has news: no "refreshing" every few seconds.
    if (!quiet) this.set({ ...this.listing, state: 'loading', error: '' });
    const files: SwarmFile[] = [];
    let totalFiles = 0;
    let cursor = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      this.pagesRead = page + 1;
      const outcome = await this.list(cursor);
      if (!outcome.ok) {
        const error = `cannot list the swarm: ${outcome.reason}`;
        // The files already listed stay on screen under the error; the same error is not news.
        if (quiet && this.listing.state === 'error' && this.listing.error === error) return;
        this.set({ ...this.listing, state: 'error', error });
        return;
      }
      for (const entry of outcome.reply.files) {
        files.push({
          name: entry.name,
          sizeBytes: entry.size,
          ownerCount: entry.ownerCount,
          infohashHex: entry.infohash.toString('hex'),
        });
      }
      totalFiles = outcome.reply.totalFiles;
      cursor = outcome.reply.nextCursor;
      if (cursor === 0) break;
    }
    // Nothing new: keep the same listing object, so no view redraws for it.
    const same =
      this.listing.state === 'ready' &&
      this.listing.totalFiles === totalFiles &&
      sameFiles(this.listing.files, files);
    if (quiet && same) return;
    this.set({ files, totalFiles, state: 'ready', error: '', refreshedAtWallMs: this.wallNow() });
  }

  private set(listing: SwarmListing): void {
    this.listing = listing;
    for (const listener of this.listeners) listener();
  }
}

function sameFiles(a: readonly SwarmFile[], b: readonly SwarmFile[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (file, index) =>
        file.infohashHex === b[index]!.infohashHex &&
        file.name === b[index]!.name &&
        file.ownerCount === b[index]!.ownerCount &&
        file.sizeBytes === b[index]!.sizeBytes,
    )
  );
}

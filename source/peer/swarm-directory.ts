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
  state: 'empty' | 'loading' | 'ready' | 'error';
  error: string;
  refreshedAtWallMs: number;
}

/** Pages of the swarm listing; a huge swarm is cut here rather than read forever. */
const MAX_PAGES = 64;

/**
 * The swarm's files from the tracker's LIST, paged, kept as a store for the download picker.
 * Refreshed on demand (the `r` key, after a download) rather than polled: LIST costs the tracker
 * the most of any message.
 */
export class SwarmDirectory {
  private listing: SwarmListing = { files: [], state: 'empty', error: '', refreshedAtWallMs: 0 };
  private readonly listeners = new Set<() => void>();
  private loading: Promise<void> | null = null;

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

  /** Reads every page again; concurrent calls share one refresh. */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    this.set({ ...this.listing, state: 'loading', error: '' });
    const files: SwarmFile[] = [];
    let cursor = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const outcome = await this.list(cursor);
      if (!outcome.ok) {
        this.set({
          ...this.listing,
          state: 'error',
          error: `cannot list the swarm: ${outcome.reason}`,
        });
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
      cursor = outcome.reply.nextCursor;
      if (cursor === 0) break;
    }
    this.set({ files, state: 'ready', error: '', refreshedAtWallMs: this.wallNow() });
  }

  private set(listing: SwarmListing): void {
    this.listing = listing;
    for (const listener of this.listeners) listener();
  }
}

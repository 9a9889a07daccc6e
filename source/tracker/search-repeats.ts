import type { TrackerEvent } from './events.ts';

type SearchedEvent = Extract<TrackerEvent, { kind: 'searched' }>;

/**
 * Searches remembered at most; past this the memory starts again (each node's next search is
 * then written once more). The log writes at most 200 searches a window anyway, so remembering
 * more nodes than a few thousand would only cost the tracker memory at 100,000 nodes.
 */
export const MAX_REMEMBERED_SEARCHES = 4_096;

/**
 * Tells a search that is news from one that repeats: the same node asking the same query and
 * getting the same number of files and owners as the last time. A download that has fewer
 * owners than it could use asks again every two seconds, and a line for each made the tracker's
 * log pane a column of identical `searched` lines; what a person watching wants is the first
 * answer and every answer that changed.
 */
export class SearchRepeats {
  /** `nodeId query` -> `files owners` of its last answer. */
  private readonly lastAnswers = new Map<string, string>();

  constructor(private readonly capacity = MAX_REMEMBERED_SEARCHES) {}

  /** True when this search got the same answer as the node's previous search for the query. */
  repeats(event: SearchedEvent): boolean {
    const { query } = event;
    const key = `${event.nodeId} ${query.kind === 'name' ? `n:${query.name}` : `h:${query.infohashHex}`}`;
    const answer = `${event.files} ${event.owners}`;
    if (this.lastAnswers.get(key) === answer) return true;
    if (this.lastAnswers.size >= this.capacity && !this.lastAnswers.has(key))
      this.lastAnswers.clear();
    this.lastAnswers.set(key, answer);
    return false;
  }
}

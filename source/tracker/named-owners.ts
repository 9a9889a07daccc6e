/**
 * Which key held each owner id when the tracker named it to a downloader (a NEED answer), so
 * that a credit that downloader sends later goes to the holder it was sent to, not to whoever
 * holds the id by then. An id is free once its node leaves (EXIT, or dropped silent), and a
 * stranger could take it between a download and its UPDATE: until 2026-12-07 the bytes the
 * real node 5 served were credited to the stranger now registered as node 5 (found by a session
 * acting as that stranger). A node that restarts with its own key keeps its credits.
 */
import { BoundedMap } from './credit-ledger.ts';
import type { ByteString } from './registry.ts';

/**
 * Pairs (downloader, owner) remembered, the oldest forgotten first. A download sends its UPDATE
 * within minutes of its answers; a pair forgotten credits as before this check.
 */
const REMEMBERED_PAIRS = 100_000;

export class NamedOwners {
  private readonly named = new BoundedMap<ByteString | null>(REMEMBERED_PAIRS);

  /** The tracker named `ownerId` (holding `key`) to `askerId`. */
  note(askerId: number, ownerId: number, key: ByteString | null): void {
    this.named.set(`${askerId}:${ownerId}`, key);
  }

  /**
   * False when `ownerId` was named to `askerId` while another key held it than `key` (its key
   * now): the id changed hands since. True when it was never named to it (nothing to go by).
   */
  sameHolder(askerId: number, ownerId: number, key: ByteString | null): boolean {
    const named = this.named.get(`${askerId}:${ownerId}`);
    return named === undefined || named === key;
  }
}

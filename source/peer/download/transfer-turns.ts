/**
 * Under `--download-limit` a node's downloads share one bucket of tokens, and before this the
 * one whose DATA had just arrived asked again at once and took every token that came back: of two
 * downloads from one seeder held to 500 KiB/s, the second sat at 0 B/s for as long as the first
 * ran (found by hand; test/peer/download-limit-downloads.test.ts). So downloads take turns, as
 * the owners of one download do (BlockTransfer.pumpInTurns): one refused for want of tokens waits
 * in line, and when tokens come back whoever finds them first wakes the one that has waited
 * longest instead of asking itself. A download alone never waits for anybody. No I/O and no
 * clock: a waiter is woken through the callback it gave, in a microtask.
 */
export class TransferTurns {
  /** Downloads refused tokens, in the order they were first refused (Map keeps it). */
  private readonly waiting = new Map<object, () => void>();

  /** `who` wanted to ask and the bucket was in debt: it waits in line (a place kept, not lost). */
  refused(who: object, wake: () => void): void {
    if (!this.waiting.has(who)) this.waiting.set(who, wake);
  }

  /**
   * Whether `who` may ask now that tokens are there. No: another has waited longer; it is woken
   * (in a microtask) and `who` takes its place in line behind it.
   */
  mayAsk(who: object, wake: () => void): boolean {
    // A download alone, the usual case, asks without making an iterator.
    if (this.waiting.size === 0) return true;
    for (const [first, wakeFirst] of this.waiting) {
      if (first === who) return true;
      this.refused(who, wake);
      queueMicrotask(wakeFirst);
      return false;
    }
    return true;
  }

  /** `who` had its turn (asked or found nothing to ask), or stopped wanting (paused, ended). */
  leave(who: object): void {
    this.waiting.delete(who);
  }

  /** Downloads waiting in line (for tests). */
  get waitingCount(): number {
    return this.waiting.size;
  }
}

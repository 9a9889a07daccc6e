/**
 * The tracker's refusals of this node's announcements, said once per reason and then counted: a
 * node seeding more files than its host may announce (10,000) logged a line for every file past
 * the bound, each saying the same thing (found by hand with 10,050 files). The first refusal of a
 * reason is said at once with its file; those of the same reason within the next second are
 * summed up in one line when it ends.
 */
import type { Clock, TimerHandle } from '../clock.ts';

/** How long refusals of one reason are counted after the one said in full. */
export const REFUSALS_SUMMED_MS = 1_000;

export class RefusedAnnouncements {
  private readonly counting = new Map<string, { more: number; timer: TimerHandle }>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly clock: Clock,
  ) {}

  /** The tracker refused to list `name`, which this node seeds, saying `reason`. */
  refused(name: string, reason: string): void {
    const counted = this.counting.get(reason);
    if (counted) {
      counted.more++;
      return;
    }
    this.log(`seeding ${name}, but the tracker refused to list it: ${reason}`);
    const timer = this.clock.setTimeout(() => this.sumUp(reason), REFUSALS_SUMMED_MS);
    timer.unref?.();
    this.counting.set(reason, { more: 0, timer });
  }

  /** Says what is counted now (the node is leaving). */
  flush(): void {
    for (const [reason, { timer }] of this.counting) {
      this.clock.clearTimeout(timer);
      this.sumUp(reason);
    }
  }

  private sumUp(reason: string): void {
    const counted = this.counting.get(reason);
    this.counting.delete(reason);
    if (counted === undefined || counted.more === 0) return;
    const files = counted.more === 1 ? '1 more file' : `${counted.more} more files`;
    this.log(`the tracker refused to list ${files} for the same reason: ${reason}`);
  }
}

import { statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Times the tracker's database writes from outside. The store writes `<name>.tmp`, fsyncs it
 * and renames it over `<name>` (source/tracker/store.ts), so a write lasts from the moment the
 * temp file appears to the moment it is gone: polled every POLL_MS, each duration is exact to
 * about that. JSON serialization happens before the temp file is opened and is not included:
 * it blocks the tracker's event loop and shows in the reply latency instead.
 */
const POLL_MS = 2;

/** Writes of one file seen so far. */
export interface WriteTimes {
  durationsMs: number[];
}

/** Watches `names` (e.g. nodes.json, files.json) in `dbDir` until stop() is called. */
export class DbWriteWatch {
  private readonly startedMs = new Map<string, number>();
  readonly writes = new Map<string, WriteTimes>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly dbDir: string,
    private readonly names: string[],
  ) {
    for (const name of names) this.writes.set(name, { durationsMs: [] });
    this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  /** Stops polling. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Size in bytes of `name` now, or null when it does not exist. */
  sizeOf(name: string): number | null {
    try {
      return statSync(join(this.dbDir, name)).size;
    } catch {
      return null;
    }
  }

  private poll(): void {
    const nowMs = performance.now();
    for (const name of this.names) {
      const exists = this.sizeOf(`${name}.tmp`) !== null;
      const started = this.startedMs.get(name);
      if (exists && started === undefined) this.startedMs.set(name, nowMs);
      if (!exists && started !== undefined) {
        this.startedMs.delete(name);
        this.writes.get(name)?.durationsMs.push(nowMs - started);
      }
    }
  }
}

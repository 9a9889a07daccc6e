/**
 * A CPU hog for the contention row (issue 15): a child node process that busy-loops on one
 * core while `body` runs, started and stopped by the bench (by its pid, like every child).
 */
import type { ProcessGroup } from './processes.ts';

/** One thread spinning: takes one core of the machine, whichever the scheduler gives it. */
const BUSY_LOOP = 'for (;;) {}';

/** Runs `body` with the hog running; stops the hog however `body` ends. */
export async function withCpuHog<T>(group: ProcessGroup, body: () => Promise<T>): Promise<T> {
  const hog = group.spawn('cpu hog', process.execPath, ['-e', BUSY_LOOP]);
  try {
    return await body();
  } finally {
    await group.stop(hog);
  }
}

/**
 * Time as a parameter. Engines receive a Clock so unit tests can drive them on virtual time
 * (libtorrent's simulation habit) while the binary passes the real one.
 */
export interface Clock {
  /** Monotonic milliseconds (never jumps with the wall clock); only differences mean anything. */
  now(): number;
  /** Wall-clock milliseconds since the epoch, for timestamps shown to people and persisted. */
  wallNow(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface TimerHandle {
  /** Let the process exit even while this timer is pending. */
  unref?(): void;
  /**
   * Arms the timer again, its delay from now, also once it has fired: a timer that fires 50 times
   * a second reuses one handle instead of making one per period.
   */
  refresh(): void;
}

/**
 * The delay from `nowMs` to the grid point (a multiple of `periodMs`) nearest to one period
 * ahead: between half a period and one and a half. A node's periodic timers armed this way fall
 * due together and wake the process once: held to 500 KiB/s, a download's ticks, its housekeeping
 * and the node's snapshot each on a phase of their own woke it ~83 times a second, ~60 aligned.
 * Nearest, not next: a timer that fires a millisecond early (libuv counts whole ones) is not
 * armed again for the grid point it was meant for.
 */
export function delayToGrid(nowMs: number, periodMs: number): number {
  const dueMs = Math.ceil((nowMs + periodMs / 2) / periodMs) * periodMs;
  return Math.max(1, Math.round(dueMs - nowMs));
}

/**
 * A timer this late (and at least a period late) means the process did not run: stopped with
 * Ctrl+Z or SIGSTOP, or its machine asleep. A busy event loop does not lag whole seconds, and
 * short periods (tests use 100 ms) never see it from one.
 */
const NOT_RUNNING_MS = 2_000;

/**
 * How long the process did not run, judged by a periodic timer due at `dueMs` and firing at
 * `nowMs`: 0 unless it is late by a period and NOT_RUNNING_MS. Then whatever peers sent meanwhile
 * still waits, unread, in the socket: their silence over that time is this process's own.
 */
export function notRunningMs(dueMs: number, nowMs: number, periodMs: number): number {
  const lateMs = nowMs - dueMs;
  return lateMs >= Math.max(periodMs, NOT_RUNNING_MS) ? lateMs : 0;
}

/** The real clock: performance.now() for intervals, Date.now() for timestamps. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A clock that only moves when told to: timers fire, in order, inside advance(). */
export class ManualClock implements Clock {
  private nowMs: number;
  private readonly wallOffsetMs: number;
  private nextTimerId = 1;
  private readonly timers = new Map<number, { dueMs: number; callback: () => void }>();

  constructor(startMs = 0, wallStartMs = Date.UTC(2026, 0, 1)) {
    this.nowMs = startMs;
    this.wallOffsetMs = wallStartMs - startMs;
  }

  now(): number {
    return this.nowMs;
  }

  wallNow(): number {
    return this.nowMs + this.wallOffsetMs;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const handle = {
      id: this.nextTimerId++,
      cleared: false,
      refresh: () => {
        // As node's: a cleared timer stays cleared. Re-added at the end, as a new timer would
        // be: ties fire in the order they were armed.
        if (handle.cleared) return;
        this.timers.delete(handle.id);
        this.timers.set(handle.id, { dueMs: this.nowMs + Math.max(0, delayMs), callback });
      },
    };
    handle.refresh();
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    const own = handle as unknown as { id: number; cleared: boolean };
    own.cleared = true;
    this.timers.delete(own.id);
  }

  /**
   * The process did not run for `ms` (stopped with Ctrl+Z or SIGSTOP, its machine asleep): time
   * jumps, then every timer that fell due meanwhile fires late, earliest first, at the new time.
   */
  stall(ms: number): void {
    this.nowMs += ms;
    const due = [...this.timers].filter(([, timer]) => timer.dueMs <= this.nowMs);
    due.sort(([, a], [, b]) => a.dueMs - b.dueMs);
    for (const [id, timer] of due) {
      if (!this.timers.delete(id)) continue;
      timer.callback();
    }
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const targetMs = this.nowMs + ms;
    for (;;) {
      let nextId = -1;
      let nextDue = Number.POSITIVE_INFINITY;
      for (const [id, timer] of this.timers) {
        if (timer.dueMs <= targetMs && timer.dueMs < nextDue) {
          nextDue = timer.dueMs;
          nextId = id;
        }
      }
      if (nextId < 0) break;
      const timer = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.nowMs = timer.dueMs;
      timer.callback();
    }
    this.nowMs = targetMs;
  }
}

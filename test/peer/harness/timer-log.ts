import { type Clock, systemClock, type TimerHandle } from '../../../source/clock.ts';

/**
 * The system clock, recording each timer a node arms: every delay in order, and per callback the
 * delays it was armed with (setTimeout or refresh), so a test can find one periodic timer by the
 * callback it re-arms again and again.
 */
export class TimerLog implements Clock {
  readonly delays: number[] = [];
  private readonly armedByCallback = new Map<() => void, ArmedTimer[]>();
  /**
   * What this clock last told the node: a node works a delay out from the time it read, and a
   * second reading here may come milliseconds later on a loaded machine (a CI run's tick read
   * 2.6 ms off the grid it was due on: the process was preempted between the two readings).
   */
  private lastNowMs = systemClock.now();

  /**
   * The timer armed most often, each time it was armed: a download's tick (one callback, armed
   * again and again; of a node's other timers only the snapshot's is one callback too, armed
   * every 100 ms: half as often as the tick at 1000 KiB/s, a fifth unlimited).
   */
  get mostArmed(): ArmedTimer[] {
    return [...this.armedByCallback.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  }

  now(): number {
    this.lastNowMs = systemClock.now();
    return this.lastNowMs;
  }

  wallNow(): number {
    return systemClock.wallNow();
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    this.note(callback, delayMs);
    const handle = systemClock.setTimeout(callback, delayMs);
    const refresh = handle.refresh.bind(handle);
    handle.refresh = () => {
      this.note(callback, delayMs);
      refresh();
    };
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    systemClock.clearTimeout(handle);
  }

  private note(callback: () => void, delayMs: number): void {
    this.delays.push(delayMs);
    const armed = this.armedByCallback.get(callback) ?? [];
    armed.push({ delayMs, dueMs: this.lastNowMs + delayMs });
    this.armedByCallback.set(callback, armed);
  }
}

/**
 * One arming of a timer: its delay, and when it was due on the clock's monotonic time, counted
 * from the last time the node read this clock before arming it.
 */
export interface ArmedTimer {
  delayMs: number;
  dueMs: number;
}

import { useEffect, useState } from 'react';
import type { Clock } from '../../clock.ts';

/**
 * Re-renders the component once `clock.now()` reaches `atMs` (null: never), so something shown
 * for a while (a notice) disappears without a key or a new snapshot. One timer at a time, on
 * the given clock, so a test drives it with a ManualClock.
 */
export function useWakeAt(clock: Clock, atMs: number | null): void {
  const [, setWakes] = useState(0);
  useEffect(() => {
    if (atMs === null) return;
    const handle = clock.setTimeout(
      () => setWakes((wakes) => wakes + 1),
      Math.max(0, atMs - clock.now()),
    );
    return () => clock.clearTimeout(handle);
  }, [clock, atMs]);
}

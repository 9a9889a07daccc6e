import { useEffect, useRef } from 'react';
import type { LogLine } from '../../log/logger.ts';

/**
 * Keeps a log pane that was scrolled back looking at the same lines while new ones arrive: the
 * offset counts lines back from the newest, so each new line must push it one further. Calls
 * `shiftBack(n)` with the number of lines that arrived, only while scrolled back.
 */
export function useLogAnchor(
  lines: readonly LogLine[],
  linesBack: number,
  shiftBack: (arrived: number) => void,
): void {
  const newestSeq = lines.at(-1)?.seq ?? -1;
  const previous = useRef(newestSeq);
  useEffect(() => {
    const arrived = newestSeq - previous.current;
    previous.current = newestSeq;
    if (arrived > 0 && linesBack > 0) shiftBack(arrived);
  }, [newestSeq, linesBack, shiftBack]);
}

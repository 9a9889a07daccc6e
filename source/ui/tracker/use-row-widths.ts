import { useRef } from 'react';
import type { TrackerSnapshot } from '../../tracker/snapshot.ts';
import { type FileCells, fileWidths, type NodeCells, nodeWidths } from './tracker-rows.ts';

/** The widths all rows of each table need (see TableWindow). */
export interface RowWidths {
  nodes: Record<keyof NodeCells, number>;
  files: Record<keyof FileCells, number>;
}

/**
 * The rows shown are measured as they are drawn; the others' widths may be this old (a longer
 * name out of view widens its column within this time).
 */
const WIDTHS_MAX_AGE_MS = 1_000;

interface Measured<Rows, Widths> {
  atMs: number;
  rows: Rows;
  widths: Widths;
}

/**
 * What every row of one table needs, measured again when its rows changed, at most once a
 * second: a busy tracker makes many snapshots a second, and measuring formats every row.
 */
export function useTableWidths<Rows, Widths>(
  rows: Rows,
  measure: () => Widths,
  nowMs: number,
): Widths {
  const measured = useRef<Measured<Rows, Widths> | null>(null);
  const last = measured.current;
  if (last === null || (last.rows !== rows && nowMs - last.atMs >= WIDTHS_MAX_AGE_MS)) {
    const widths = measure();
    measured.current = { atMs: nowMs, rows, widths };
    return widths;
  }
  return last.widths;
}

/**
 * Each table on its own: the node rows are new every 2 s (their ages), the file rows only when
 * a file or an owner changed (3,000 files were measured again with every node row's age).
 */
export function useRowWidths(snapshot: TrackerSnapshot): RowWidths {
  const nowMs = Date.now();
  return {
    nodes: useTableWidths(snapshot.nodes, () => nodeWidths(snapshot), nowMs),
    files: useTableWidths(snapshot.files, () => fileWidths(snapshot), nowMs),
  };
}

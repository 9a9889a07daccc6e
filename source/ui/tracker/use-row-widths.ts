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

/**
 * What every row of the snapshot's tables needs, measured again when its rows changed, at most
 * once a second: a busy tracker makes many snapshots a second, and measuring formats every row.
 */
export function useRowWidths(snapshot: TrackerSnapshot): RowWidths {
  const measured = useRef<{
    atMs: number;
    nodes: TrackerSnapshot['nodes'];
    files: TrackerSnapshot['files'];
    widths: RowWidths;
  } | null>(null);
  const last = measured.current;
  const nowMs = Date.now();
  const changed = last?.nodes !== snapshot.nodes || last.files !== snapshot.files;
  if (last === null || (changed && nowMs - last.atMs >= WIDTHS_MAX_AGE_MS)) {
    const widths = { nodes: nodeWidths(snapshot), files: fileWidths(snapshot) };
    measured.current = { atMs: nowMs, nodes: snapshot.nodes, files: snapshot.files, widths };
    return widths;
  }
  return last.widths;
}

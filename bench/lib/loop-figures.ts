/**
 * Reading what loop-probe.ts wrote, and the worst figures over several probed processes (the
 * trackers of a fleet, or a bench's load generators).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './build.ts';
import type { LoopFigures } from './loop-probe.ts';

/** Pass as `--import LOOP_PROBE` (with BT_LOOP_PROBE_FILE set) to probe a process. */
export const LOOP_PROBE = join(REPO_ROOT, 'bench', 'lib', 'loop-probe.ts');

/** The probe's latest figures, or null before its first write. */
export function readLoopFigures(path: string): LoopFigures | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LoopFigures;
  } catch {
    return null;
  }
}

/**
 * Longest stall and worst p99 of any process, stalls summed over them; memory for a single
 * process, or each process's apart (a sum of several would say nothing about one). Null if any
 * probe has not written.
 */
export function combineLoopFigures(figures: readonly (LoopFigures | null)[]): LoopFigures | null {
  if (figures.length === 0 || figures.some((f) => f === null)) return null;
  const all = figures as readonly LoopFigures[];
  const sum = (pick: (f: LoopFigures) => number) => all.reduce((total, f) => total + pick(f), 0);
  return {
    maxMs: Math.max(...all.map((f) => f.maxMs)),
    p99Ms: Math.max(...all.map((f) => f.p99Ms)),
    over20Ms: sum((f) => f.over20Ms),
    stallCauses: {
      waitingForCpu: sum((f) => f.stallCauses?.waitingForCpu ?? 0),
      gc: sum((f) => f.stallCauses?.gc ?? 0),
      running: sum((f) => f.stallCauses?.running ?? 0),
    },
    longGcPauses: all.flatMap((f) => f.longGcPauses ?? []),
    ...(all.length === 1 && all[0]!.memory ? { memory: all[0]!.memory } : {}),
    ...(all.length > 1 && all.every((f) => f.memory)
      ? { memoryEach: all.map((f) => f.memory!) }
      : {}),
  };
}

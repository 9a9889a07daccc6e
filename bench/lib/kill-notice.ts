/**
 * How tracker-scale.ts tells its load generators which tracker it is about to SIGKILL and when:
 * a small JSON file, written before the kill and polled by the generators. Knowing the instant,
 * a generator measures each node's failover from the kill itself, not from when it noticed.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** The tracker to be killed and the planned instant (epoch ms, see epochNowMs). */
export interface KillNotice {
  killedPort: number;
  killAtEpochMs: number;
}

/**
 * Milliseconds since the epoch with sub-millisecond resolution: comparable between the bench's
 * processes (one clock), unlike performance.now(), which counts from each process's start.
 */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function writeKillNotice(path: string, notice: KillNotice): void {
  writeFileSync(path, JSON.stringify(notice));
}

/** The notice, or null while there is none (or it is still being written). */
export function readKillNotice(path: string): KillNotice | null {
  try {
    const notice = JSON.parse(readFileSync(path, 'utf8')) as Partial<KillNotice>;
    const { killedPort, killAtEpochMs } = notice;
    return typeof killedPort === 'number' && typeof killAtEpochMs === 'number'
      ? { killedPort, killAtEpochMs }
      : null;
  } catch {
    return null;
  }
}

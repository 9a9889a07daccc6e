/**
 * tracker-scale.ts --kill-one: SIGKILLs tracker 0 of the fleet a few seconds into the measured
 * window, after telling the generators which tracker and when (kill-notice.ts), so that each can
 * time its nodes' failover from the kill itself.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { epochNowMs, writeKillNotice } from './kill-notice.ts';
import type { Fleet } from './tracker-fleet.ts';

/** How far into the measured window tracker 0 dies. */
export const KILL_AFTER_WINDOW_START_MS = 5_000;
/** The notice comes this long before the kill: generators look for it every 100 ms. */
const NOTICE_LEAD_MS = 500;
/** The tracker killed: the first of the fleet (generators 0, N, 2N... use it first). */
const KILLED_INDEX = 0;

/** What was killed, and when (epoch ms). */
export interface KillRecord {
  killedIndex: number;
  killedPort: number;
  plannedAtEpochMs: number;
  /** Just before process.kill was called: the kill is late by this minus the planned instant. */
  killedAtEpochMs: number;
}

/**
 * Waits KILL_AFTER_WINDOW_START_MS from now (the window's start), announces the kill in
 * `noticePath`, and kills tracker 0 at the announced instant. `signal` cancels it (the run failed).
 */
export async function killOneTrackerLater(
  fleet: Fleet,
  noticePath: string,
  signal: AbortSignal,
): Promise<KillRecord> {
  const tracker = fleet.trackers[KILLED_INDEX]!;
  await sleep(KILL_AFTER_WINDOW_START_MS - NOTICE_LEAD_MS, undefined, { signal });
  const plannedAtEpochMs = epochNowMs() + NOTICE_LEAD_MS;
  writeKillNotice(noticePath, { killedPort: tracker.port, killAtEpochMs: plannedAtEpochMs });
  await sleep(plannedAtEpochMs - epochNowMs(), undefined, { signal });
  // A timer may fire a millisecond early: never before the instant the generators time from.
  while (epochNowMs() < plannedAtEpochMs) {}
  const killedAtEpochMs = epochNowMs();
  await fleet.kill(KILLED_INDEX);
  return { killedIndex: KILLED_INDEX, killedPort: tracker.port, plannedAtEpochMs, killedAtEpochMs };
}

/** The ports a generator tries, its own tracker (`own`) first, then the others in fleet order. */
export function trackerOrder(ports: readonly number[], own: number): number[] {
  return ports.map((_, offset) => ports[(own + offset) % ports.length]!);
}

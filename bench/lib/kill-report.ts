/**
 * The --kill-one part of a tracker-scale row: the columns added to the table, the line printed
 * when the row ends, the footnote and the warnings.
 */
import type { FailoverFigures } from './failover-figures.ts';
import type { KillRecord } from './kill-one.ts';
import type { SharedViewAudit } from './shared-view-audit.ts';
import { fixed, mebibytes } from './table.ts';

/** What a --kill-one run adds to its row. */
export interface KillRow {
  record: KillRecord;
  /** The merged generators' figures; null if none came back. */
  figures: FailoverFigures | null;
  audit: SharedViewAudit;
}

export const KILL_HEADERS = [
  'on killed',
  'timed out since kill',
  'failover p99 s',
  'failover max s',
  'nodes lost',
  'credits MiB acked',
  'credits MiB stored',
];

export const KILL_FOOTNOTE =
  "(--kill-one: tracker 0 is SIGKILLed a few seconds into the window and the generators, given both trackers, follow the real client: a request is sent again after 0.5, 1, 2 s, then to the next tracker with the same token; timed out counts requests given up at one tracker; on killed: nodes whose tracker was tracker 0 at the kill; failover: kill to each such node's first answer from the other tracker, its next heartbeat included, followed past the window until all are answered; nodes lost: registered nodes missing from `tracker export --store` at the end; credits: what the acknowledged UPDATEs credit, by the tracker's cap per (host, file), and what the store holds)";

/** Failover times, ms, sorted; `fraction` of them at or below the value. */
function percentile(sortedMs: number[], fraction: number): number | null {
  if (sortedMs.length === 0) return null;
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil(sortedMs.length * fraction) - 1)]!;
}

function sortedFailovers(figures: FailoverFigures | null): number[] {
  return [...(figures?.failoverMs ?? [])].sort((a, b) => a - b);
}

const seconds = (ms: number | null) => fixed(ms === null ? null : ms / 1000, 1);

export function killCells(row: KillRow): string[] {
  const { figures, audit } = row;
  const failovers = sortedFailovers(figures);
  return [
    String(figures?.nodesOnKilled ?? '-'),
    String(figures?.timedOutSinceKill ?? '-'),
    seconds(percentile(failovers, 0.99)),
    seconds(percentile(failovers, 1)),
    String(audit.nodesLost),
    mebibytes(audit.creditExpectedBytes),
    mebibytes(audit.creditStoredBytes),
  ];
}

/** The row's kill line, everything the columns leave out. */
export function describeKill(row: KillRow, windowStartEpochMs: number): string {
  const { record, figures, audit } = row;
  const failovers = sortedFailovers(figures);
  const never = (figures?.nodesOnKilled ?? 0) - failovers.length;
  const at = (record.plannedAtEpochMs - windowStartEpochMs) / 1000;
  const late = record.killedAtEpochMs - record.plannedAtEpochMs;
  const f = figures;
  return [
    `  kill: tracker ${record.killedIndex} (port ${record.killedPort}) SIGKILLed ${at.toFixed(1)} s into the window (${late >= 0 ? '+' : ''}${late.toFixed(1)} ms from the announced instant)`,
    `${f?.nodesOnKilled ?? '-'} nodes used it; the other tracker answered them within p50 ${seconds(percentile(failovers, 0.5))} s, p99 ${seconds(percentile(failovers, 0.99))} s, max ${seconds(percentile(failovers, 1))} s; ${never} never`,
    `since the kill ${f?.timedOutSinceKill ?? '-'} requests timed out at one tracker (${f?.retransmitsSinceKill ?? '-'} retransmissions), ${f?.movedSinceKill ?? '-'} moved to the next (the slowest answered ${seconds(f?.movedLatencyMaxMs ?? null)} s after its first send), ${f?.unansweredSinceKill ?? '-'} unanswered by every tracker, ${f?.reregisteredSinceKill ?? '-'} 'reregister' answers, ${f?.needsSinceKill ?? '-'} NEEDs answered of which ${f?.needsMissingOwnerSinceKill ?? '-'} without their owner`,
    `shared view at the end: ${audit.nodesInView} nodes (${audit.nodesLost} of the registered lost)`,
    `credits: ${f?.updatesAcked ?? '-'} acknowledged UPDATEs give ${mebibytes(audit.creditExpectedBytes)} MiB, the store holds ${mebibytes(audit.creditStoredBytes)} MiB, ${audit.ownersOff} owners differ, ${f?.updatesUnacknowledged ?? '-'} UPDATEs unacknowledged, ${f?.lateAcksOfKilled.length ?? '-'} credits acknowledged by the killed tracker in its last second`,
  ].join('; ');
}

/** WARNING lines for what a failover must not do. */
export function killWarnings(row: KillRow): string[] {
  const { figures, audit } = row;
  const warnings: string[] = [];
  const never = (figures?.nodesOnKilled ?? 0) - (figures?.failoverMs.length ?? 0);
  if (never > 0)
    warnings.push(`${never} nodes of the killed tracker were never answered by another`);
  if (audit.nodesLost !== 0) warnings.push(`the shared view lost ${audit.nodesLost} nodes`);
  if (audit.ownersOff > 0) {
    warnings.push(
      `credits do not add up: ${audit.ownersOff} owners differ (acked ${audit.creditExpectedBytes} B, stored ${audit.creditStoredBytes} B)`,
    );
  }
  for (const owner of audit.ownersOffListed) {
    const late = (figures?.lateAcksOfKilled ?? []).filter((ack) => ack.ownerId === owner.ownerId);
    const when = late
      .map(
        ({ msBeforeKill: ms }) => `${Math.abs(ms).toFixed(1)} ms ${ms >= 0 ? 'before' : 'after'}`,
      )
      .join(', ');
    warnings.push(
      `owner ${owner.ownerId}: acked ${owner.expectedBytes} B, stored ${owner.storedBytes} B${late.length > 0 ? `; the killed tracker acknowledged an UPDATE crediting it, read ${when} the kill` : ''}`,
    );
  }
  return warnings.map((text) => `WARNING --kill-one: ${text}`);
}

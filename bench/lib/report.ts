import type { LeecherResult } from './leecher-result.ts';
import type { IdlePeerMemory } from './our-swarm.ts';
import { sumOrNull } from './proc-stats.ts';
import { fixed, mebibytes, median } from './table.ts';

/** Columns of the summary row of one system (medians over its runs). */
export const SUMMARY_HEADERS = [
  'system',
  'ok runs',
  'MiB/s (wall)',
  'MiB/s (engine)',
  'wall s',
  'peak RSS MiB',
  'CPU s',
  'RcvbufErrors +',
  'leecher drops',
];

/** Medians of one system's runs. Failed runs are excluded from every median. */
export interface RunSummary {
  okRuns: number;
  totalRuns: number;
  wallMiBps: number | null;
  engineMiBps: number | null;
  wallSeconds: number | null;
  peakRssBytes: number | null;
  cpuSeconds: number | null;
  /** Sum over all runs (failed ones too): anything above 0 means datagrams were dropped. */
  rcvbufErrors: number | null;
  /** Sum over all runs of the drops on the leecher's own UDP sockets (null: it had none). */
  socketDrops: number | null;
}

/** Folds runs into medians. */
export function summarize(results: LeecherResult[]): RunSummary {
  const ok = results.filter((result) => result.problem === null);
  const drops = results.map((result) => result.measured.rcvbufErrorsDelta);
  const socketDrops = results.map((result) => result.measured.socketDrops);
  return {
    okRuns: ok.length,
    totalRuns: results.length,
    wallMiBps: median(ok.map((result) => result.wallMiBps)),
    engineMiBps: median(ok.map((result) => result.engineMiBps)),
    wallSeconds: median(ok.map((result) => result.measured.wallSeconds)),
    peakRssBytes: median(ok.map((result) => result.measured.peakRssBytes)),
    cpuSeconds: median(ok.map((result) => result.measured.cpuSeconds)),
    rcvbufErrors: sumOrNull(drops),
    socketDrops: sumOrNull(socketDrops),
  };
}

/** Sum of the counts, or null if any is unknown. */

/** One summary row for formatTable under SUMMARY_HEADERS. */
export function summaryRow(system: string, summary: RunSummary): string[] {
  return [
    system,
    `${summary.okRuns}/${summary.totalRuns}`,
    fixed(summary.wallMiBps),
    fixed(summary.engineMiBps),
    fixed(summary.wallSeconds, 2),
    mebibytes(summary.peakRssBytes),
    fixed(summary.cpuSeconds, 2),
    summary.rcvbufErrors === null ? '-' : String(summary.rcvbufErrors),
    summary.socketDrops === null ? '-' : String(summary.socketDrops),
  ];
}

/** One line per run, printed as it ends, so a long bench shows life and every run is on record. */
export function describeRun(system: string, run: number, result: LeecherResult): string {
  const { measured } = result;
  const figures = [
    `${fixed(result.wallMiBps)} MiB/s wall`,
    `${fixed(result.engineMiBps)} MiB/s engine`,
    `${fixed(measured.wallSeconds, 2)} s`,
    `peak RSS ${mebibytes(measured.peakRssBytes)} MiB`,
    `CPU ${fixed(measured.cpuSeconds, 2)} s`,
    `RcvbufErrors +${measured.rcvbufErrorsDelta ?? '?'}`,
    `leecher socket drops ${measured.socketDrops ?? '-'}`,
  ];
  if (result.engineMiBps !== null && result.engineMiBps > 0) {
    // Wall time the client's own figure does not cover: process start, tracker, metainfo, exit.
    const transferSeconds = (result.wallMiBps * measured.wallSeconds) / result.engineMiBps;
    figures.push(`${fixed(measured.wallSeconds - transferSeconds, 2)} s outside the transfer`);
  }
  if (result.owners !== null) figures.push(`${result.owners} owners`);
  const verdict = result.problem === null ? 'SHA-256 ok' : `FAILED: ${result.problem}`;
  return `  ${system} run ${run + 1}: ${figures.join(', ')}; ${verdict}`;
}

/** The idle baseline line, and how far above it the leecher's peak is. */
export function describeIdle(idle: IdlePeerMemory, leecherPeakRssBytes: number | null): string {
  const beyond =
    leecherPeakRssBytes === null || idle.peakRssBytes === null
      ? '-'
      : mebibytes(leecherPeakRssBytes - idle.peakRssBytes);
  return `idle peer (registered only): RSS ${mebibytes(idle.rssBytes)} MiB, peak ${mebibytes(idle.peakRssBytes)} MiB; leecher peak is ${beyond} MiB beyond the idle peak`;
}

/** Warnings a reader must not miss: corruption, failed runs, kernel drops. */
export function warnings(system: string, results: LeecherResult[]): string[] {
  const lines: string[] = [];
  for (const [index, result] of results.entries()) {
    if (result.problem !== null)
      lines.push(`WARNING ${system} run ${index + 1}: ${result.problem}`);
  }
  const { rcvbufErrors, socketDrops } = summarize(results);
  if (rcvbufErrors !== null && rcvbufErrors > 0) {
    lines.push(
      `WARNING ${system}: UDP RcvbufErrors (machine-wide) grew by ${rcvbufErrors} during the leecher runs: some socket's receive buffer overflowed`,
    );
  }
  if (socketDrops !== null && socketDrops > 0) {
    lines.push(
      `WARNING ${system}: the leecher's own UDP socket dropped ${socketDrops} datagrams (receive buffer full)`,
    );
  }
  return lines;
}

/**
 * Issue 15's figures as lines: core-seconds per GiB of the leecher beyond its start-up and of
 * each seeder per GiB it served, beside the machine's floor measured in the same run, with the
 * ratio and the targets; and the contention row (rate with a CPU hog against the quiet rate).
 */
import type { MachineFloor } from './floor.ts';
import type { LeecherResult } from './leecher-result.ts';
import type { RunSummary } from './report.ts';
import { aggregateServing, coreSecondsPerGiB } from './serving-cost.ts';
import { fixed, median } from './table.ts';

/** Issue 15's targets on this kind of machine, quiet. */
const LEECHER_MAX_FLOOR_RATIO = 1.3;
const SEEDER_MAX_CORE_SECONDS_PER_GIB = 1;
const CONTENTION_MIN_RATE_RATIO = 0.5;

const MiB = 1024 * 1024;

/** The leecher's CPU beyond its start-up (an idle peer's CPU), per GiB of file; null if unknown. */
function leecherBeyondStartup(result: LeecherResult, startupCpu: number | null, fileBytes: number) {
  const cpu = result.measured.cpuSeconds;
  return cpu === null ? null : coreSecondsPerGiB(cpu - (startupCpu ?? 0), fileBytes);
}

/** One indented line per run: leecher and seeders per GiB, REQUESTs sent. */
export function describeRunCpu(
  result: LeecherResult,
  startupCpu: number | null,
  fileBytes: number,
): string {
  const parts = [
    `leecher ${fixed(leecherBeyondStartup(result, startupCpu, fileBytes), 2)} core-s/GiB beyond its start-up`,
  ];
  const seeders = result.seeders ?? [];
  if (seeders.length > 0) {
    const each = seeders.map((seeder) =>
      seeder.servedBytes === null
        ? `${fixed(seeder.cpuSeconds, 2)} s`
        : `${fixed(coreSecondsPerGiB(seeder.cpuSeconds, seeder.servedBytes), 2)} (${fixed(seeder.servedBytes / MiB, 0)} MiB)`,
    );
    const all = aggregateServing(seeders, fileBytes);
    const unit = all.credited ? 'core-s/GiB served' : 'CPU (no credits: bytes per seeder unknown)';
    parts.push(
      `seeders ${each.join(', ')} ${unit}, all ${fixed(coreSecondsPerGiB(all.cpuSeconds, all.servedBytes), 2)} core-s/GiB`,
    );
  }
  if (result.requests != null) {
    parts.push(
      `${result.requests} REQUESTs (${fixed(result.requests / (fileBytes / MiB), 1)}/MiB)`,
    );
  }
  return `    CPU per byte: ${parts.join('; ')}`;
}

/** What a system's runs are measured against. */
export interface CpuContext {
  /** CPU of an idle process of the client, once settled. */
  startupCpu: number | null;
  fileBytes: number;
  floor: MachineFloor | null;
  /** Each seeder's CPU with no leecher running, % of a core. */
  seedersIdlePercent: (number | null)[];
}

/** Medians over the ok runs of one system, against the floor and the targets. */
/** `; 2.10x the batched floor's 1.20`, where the floor was also measured batched. */
function againstBatched(value: number | null, batchedFloor: number | undefined): string {
  if (value === null || batchedFloor === undefined) return '';
  return `; ${fixed(value / batchedFloor, 2)}x the batched floor's ${fixed(batchedFloor, 2)}`;
}

export function describeCpuPerByte(
  system: string,
  results: LeecherResult[],
  context: CpuContext,
): string[] {
  const { startupCpu, fileBytes, floor, seedersIdlePercent } = context;
  const ok = results.filter((result) => result.problem === null);
  const total = median(ok.map((result) => result.measured.cpuSeconds));
  const beyond = median(ok.map((result) => leecherBeyondStartup(result, startupCpu, fileBytes)));
  const ratio = (value: number | null, against: number | undefined) =>
    value === null || against === undefined ? '-' : `${fixed(value / against, 2)}x`;
  const lines = [
    `${system} leecher: ${fixed(total, 2)} core-s in all (${fixed(coreSecondsPerGiB(total, fileBytes), 2)} core-s/GiB), start-up ${fixed(startupCpu, 2)} core-s (CPU of an idle one, settled), ${fixed(beyond, 2)} core-s/GiB beyond it: ${ratio(beyond, floor?.leecherCoreSecondsPerGiB)} the floor's ${fixed(floor?.leecherCoreSecondsPerGiB ?? null, 2)} (target <= ${LEECHER_MAX_FLOOR_RATIO}x)${againstBatched(beyond, floor?.batched?.leecherCoreSecondsPerGiB)}`,
  ];
  const seederRuns = ok.map((result) => result.seeders ?? []).filter((list) => list.length > 0);
  if (seederRuns.length === 0) return lines;
  const aggregates = seederRuns.map((list) => aggregateServing(list, fileBytes));
  const all = median(aggregates.map((one) => coreSecondsPerGiB(one.cpuSeconds, one.servedBytes)));
  const credited = aggregates.every((one) => one.credited);
  // Per GiB served where the tracker said how much each served, else each one's CPU seconds.
  const count = Math.max(...seederRuns.map((list) => list.length));
  const each: string[] = [];
  for (let index = 0; index < count; index++) {
    const perRun = seederRuns.map((list) => list[index]);
    const figure = median(
      perRun.map((seeder) => {
        if (!seeder) return null;
        return credited
          ? coreSecondsPerGiB(seeder.cpuSeconds, seeder.servedBytes)
          : seeder.cpuSeconds;
      }),
    );
    const label = perRun.find(Boolean)?.label ?? `seeder ${index + 1}`;
    each.push(`${label} ${fixed(figure, 2)}${credited ? '' : ' s'}`);
  }
  lines.push(
    credited
      ? `${system} seeders, core-s per GiB served (the leecher's sources line): ${each.join(', ')}; all together ${fixed(all, 2)}: ${ratio(all, floor?.seederCoreSecondsPerGiB)} the seeder floor's ${fixed(floor?.seederCoreSecondsPerGiB ?? null, 2)} (target <= ${SEEDER_MAX_CORE_SECONDS_PER_GIB} core-s/GiB each)${againstBatched(all, floor?.batched?.seederCoreSecondsPerGiB)}`
      : `${system} seeders' CPU during a run: ${each.join(', ')} (bytes per seeder unknown); all together ${fixed(all, 2)} core-s per GiB of file: ${ratio(all, floor?.seederCoreSecondsPerGiB)} the seeder floor's ${fixed(floor?.seederCoreSecondsPerGiB ?? null, 2)} (target <= ${SEEDER_MAX_CORE_SECONDS_PER_GIB} core-s/GiB each)`,
  );
  if (seedersIdlePercent.length > 0) {
    const idle = seedersIdlePercent.map((percent) => fixed(percent, 2)).join(', ');
    lines.push(
      `${system} seeders with no leecher (3 s): ${idle} % of a core, part of their CPU during a run`,
    );
  }
  return lines;
}

/** The contention row's verdict: the rate with a CPU hog against the quiet rate. */
export function describeContention(system: string, quiet: RunSummary, hogged: RunSummary): string {
  const ratio = (a: number | null, b: number | null) =>
    a === null || b === null || b === 0 ? '-' : `${fixed(a / b, 2)}x`;
  return `${system} with a CPU hog on one core: ${fixed(hogged.wallMiBps)} MiB/s wall, ${fixed(hogged.engineMiBps)} engine; quiet ${fixed(quiet.wallMiBps)} / ${fixed(quiet.engineMiBps)}: ${ratio(hogged.wallMiBps, quiet.wallMiBps)} wall, ${ratio(hogged.engineMiBps, quiet.engineMiBps)} engine (target >= ${CONTENTION_MIN_RATE_RATIO}x)`;
}

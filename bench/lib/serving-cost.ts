/**
 * What serving one download cost each seeder: the CPU it used while the leecher ran (Δ utime +
 * stime from /proc/PID/stat; a seeder is a long-lived process, so GNU time cannot tell), and
 * the bytes it served then: from the leecher's own `sources of NAME:` line, or (a build without
 * it) from the tracker's credit lines, which a second download from one host does not get.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readCpuSeconds } from './proc-stats.ts';
import type { TrackedProcess } from './processes.ts';

/** One seeder over one leecher run. */
export interface SeederServing {
  label: string;
  /** CPU seconds the seeder used during the run; null when /proc could not be read. */
  cpuSeconds: number | null;
  /** Bytes it served (verified by the leecher); null when unknown. */
  servedBytes: number | null;
}

/** Reads every seeder's CPU now; `finish` reads it again and returns the differences. */
export class SeederCpuWatch {
  private readonly before: (number | null)[];

  constructor(private readonly seeders: readonly TrackedProcess[]) {
    this.before = seeders.map((seeder) => readCpuSeconds(seeder.pid));
  }

  /** Each seeder's CPU since the watch started (read it as soon as the leecher exits). */
  finish(): Omit<SeederServing, 'servedBytes'>[] {
    return this.seeders.map((seeder, index) => {
      const before = this.before[index] ?? null;
      const after = readCpuSeconds(seeder.pid);
      return {
        label: seeder.label,
        cpuSeconds: before === null || after === null ? null : after - before,
      };
    });
  }
}

/** How long the seeders' idle CPU is sampled: 3 s makes one 10 ms clock tick 0.3 % of a core. */
const IDLE_WINDOW_MS = 3_000;

/**
 * Each seeder's CPU as % of a core while no leecher runs: what its Δ over a run holds besides
 * serving (heartbeats, timers), to read the per-GiB figures against.
 */
export async function measureSeedersIdlePercent(
  seeders: readonly TrackedProcess[],
): Promise<(number | null)[]> {
  const watch = new SeederCpuWatch(seeders);
  const startMs = performance.now();
  await sleep(IDLE_WINDOW_MS);
  const seconds = (performance.now() - startMs) / 1000;
  return watch
    .finish()
    .map((seeder) => (seeder.cpuSeconds === null ? null : (seeder.cpuSeconds / seconds) * 100));
}

/**
 * The tracker's `credited node A -> node B +BYTES B (NAME)` lines for downloader A, summed per
 * owner B. Parsed loosely (credit rules may change): a line that does not fit is skipped.
 */
const CREDIT_LINE = /\bcredited node (\d+) -> node (\d+) \+(\d+) B\b/;

export function creditsFrom(lines: readonly string[], downloaderId: number): Map<number, number> {
  const bytesByOwner = new Map<number, number>();
  for (const line of lines) {
    const match = CREDIT_LINE.exec(line);
    if (!match || Number(match[1]) !== downloaderId) continue;
    const owner = Number(match[2]);
    bytesByOwner.set(owner, (bytesByOwner.get(owner) ?? 0) + Number(match[3]));
  }
  return bytesByOwner;
}

/**
 * The leecher's `sources of NAME: node 1 85.3 MiB, node 2 300.0 KiB (...)` line, as bytes by node
 * id (to 0.05 of the unit: a tenth of a percent of a seeder's share here).
 */
const SOURCES_LINE = /\bsources of \S+: (.*) \(verified data/;
const SOURCE_ITEM = /\bnode (\d+) ([\d.]+) (B|KiB|MiB|GiB)\b/g;
const UNIT_BYTES: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

export function sourcesFrom(lines: readonly string[]): Map<number, number> | null {
  for (const line of lines) {
    const match = SOURCES_LINE.exec(line);
    if (!match) continue;
    const bytesByOwner = new Map<number, number>();
    for (const item of match[1]!.matchAll(SOURCE_ITEM)) {
      bytesByOwner.set(Number(item[1]), Number(item[2]) * UNIT_BYTES[item[3]!]!);
    }
    return bytesByOwner;
  }
  return null;
}

/** Core-seconds per GiB of `bytes`; null when either is unknown or no bytes moved. */
export function coreSecondsPerGiB(cpuSeconds: number | null, bytes: number | null): number | null {
  if (cpuSeconds === null || bytes === null || bytes <= 0) return null;
  return cpuSeconds / (bytes / 1024 ** 3);
}

/**
 * All seeders together: Σ CPU / Σ bytes served. Without credits for every seeder the bytes
 * fall back to `fileBytes` (one leecher took one copy of the file, from all of them).
 */
export function aggregateServing(
  seeders: readonly SeederServing[],
  fileBytes: number,
): { cpuSeconds: number | null; servedBytes: number; credited: boolean } {
  const cpu = seeders.map((seeder) => seeder.cpuSeconds);
  const cpuSeconds = cpu.includes(null)
    ? null
    : cpu.reduce<number>((sum, value) => sum + (value ?? 0), 0);
  const credited = seeders.every((seeder) => seeder.servedBytes !== null);
  const servedBytes = credited
    ? seeders.reduce((sum, seeder) => sum + (seeder.servedBytes ?? 0), 0)
    : fileBytes;
  return { cpuSeconds, servedBytes, credited };
}

import { MiB } from './files.ts';
import type { MachineFloor } from './floor.ts';
import type { CrowdLeecher, CrowdResult } from './lan-crowd.ts';
import { fixed, median } from './table.ts';

const GiB = 1024 * MiB;
const BITS_PER_MBIT = 1_000_000;
/** Issue 15: on the LAN testbed at 100 Mbit/s the leechers spend at most this much. */
const LEECHERS_MAX_CORE_SECONDS_PER_GIB = 3;

/**
 * The least time any distribution can take, one seeder of upload u_s and N leechers of upload
 * u_i and download d_i, all starting together: the seeder must send every byte once (F/u_s),
 * the slowest leecher must receive it all (F/d_min), and N·F bytes must be uploaded by
 * everyone together (N·F/(u_s + Σu_i)). Kumar & Ross, "Peer-assisted file distribution" (2006).
 */
export function p2pLowerBoundSeconds(sizeBytes: number, rateMbit: number, leechers: number) {
  const fileBits = sizeBytes * 8;
  // Every link of the star has the same rate both ways.
  const seederUpBps = rateMbit * BITS_PER_MBIT;
  const leecherUpBps = seederUpBps;
  const slowestDownBps = seederUpBps;
  return Math.max(
    fileBits / seederUpBps,
    fileBits / slowestDownBps,
    (leechers * fileBits) / (seederUpBps + leechers * leecherUpBps),
  );
}

/** Without swarming the seeder alone sends N copies: the client-server bound N·F/u_s. */
export function seederOnlySeconds(sizeBytes: number, rateMbit: number, leechers: number) {
  return (leechers * sizeBytes * 8) / (rateMbit * BITS_PER_MBIT);
}

/**
 * How much of its link one leecher used once data flowed (issue 12: 80 % or more once it has
 * peers): the file's bytes over the time from its first data to when it was done, as a share of
 * the link's rate. Headers count against it (~2.5 % for UDP fragments), so 97 % is a full link.
 * Null if data never flowed.
 */
export function linkUse(
  leecher: Pick<CrowdLeecher, 'doneSeconds' | 'firstDataSeconds'>,
  sizeBytes: number,
  rateMbit: number,
): number | null {
  if (leecher.firstDataSeconds === null) return null;
  const seconds = leecher.doneSeconds - leecher.firstDataSeconds;
  if (!(seconds > 0)) return null;
  return (sizeBytes * 8) / seconds / (rateMbit * BITS_PER_MBIT);
}

/** The least and the median link use of a crowd's leechers, as `61 %/74 %`. */
export function linkUseRange(result: CrowdResult, sizeBytes: number, rateMbit: number): string {
  const uses = result.leechers.map((leecher) => linkUse(leecher, sizeBytes, rateMbit));
  const known = uses.filter((use): use is number => use !== null);
  const percent = (value: number | null) => (value === null ? '-' : `${Math.round(value * 100)} %`);
  if (known.length === 0) return '-';
  return `${percent(Math.min(...known))}/${percent(median(known))}`;
}

/** One flash crowd, as a row. */
export interface CrowdRow {
  system: string;
  leechers: number;
  run: number;
  result: CrowdResult | null;
  /** CPU of an idle client of the system started on a leecher host before the crowd. */
  startupCpuSeconds: number | null;
  /** Why the whole crowd could not run (swarm did not start), or null. */
  error: string | null;
}

export const DETAIL_HEADERS = [
  'system',
  'leechers',
  'run',
  'ok',
  'all done s',
  'median done s',
  'first data s (med/max)',
  'link use (min/med)',
  'seeder up (copies)',
  'leechers up (copies)',
  'CPU core-s/GiB',
  'beyond start-up',
  'seeder core-s/GiB up',
  'tbf drops',
  'RcvbufErrors',
];

/** The detail row of one crowd. */
export function detailRow(row: CrowdRow, sizeBytes: number, rateMbit: number): string[] {
  const head = [row.system, String(row.leechers), String(row.run + 1)];
  const { result } = row;
  if (result === null) return [...head, 'FAILED', ...DETAIL_HEADERS.slice(4).map(() => '-')];
  const { leechers } = result;
  const ok = leechers.filter((leecher) => leecher.problem === null).length;
  const firsts = leechers.map((leecher) => leecher.firstDataSeconds);
  const known = firsts.filter((value): value is number => value !== null);
  return [
    ...head,
    `${ok}/${leechers.length}`,
    fixed(result.allDoneSeconds, 1),
    fixed(median(leechers.map((leecher) => leecher.doneSeconds)), 1),
    `${fixed(median(firsts), 2)}/${fixed(known.length ? Math.max(...known) : null, 2)}`,
    linkUseRange(result, sizeBytes, rateMbit),
    fixed(result.seederUploadBytes / sizeBytes, 2),
    fixed(result.leechersUploadBytes / sizeBytes, 2),
    fixed(cpuPerGiB(result, sizeBytes), 2),
    fixed(cpuBeyondStartupPerGiB(row, sizeBytes), 2),
    fixed(seederCpuPerGiB(result), 2),
    String(result.tbfDrops),
    result.leechersRcvbufErrors === null ? '-' : String(result.leechersRcvbufErrors),
  ];
}

/** The leechers' CPU (user + system) summed, per GiB they downloaded together. */
export function cpuPerGiB(result: CrowdResult, sizeBytes: number): number | null {
  const cpu = result.leechers.map((leecher) => leecher.cpuSeconds);
  if (cpu.includes(null)) return null;
  const total = cpu.reduce<number>((sum, value) => sum + (value ?? 0), 0);
  return total / ((result.leechers.length * sizeBytes) / GiB);
}

/** The same less each leecher's start-up (an idle client's CPU): what it spent per byte. */
export function cpuBeyondStartupPerGiB(row: CrowdRow, sizeBytes: number): number | null {
  const all = row.result === null ? null : cpuPerGiB(row.result, sizeBytes);
  if (all === null || row.startupCpuSeconds === null) return all;
  return all - row.startupCpuSeconds / (sizeBytes / GiB);
}

/** The seeder's CPU during the crowd per GiB its link carried up (headers included). */
export function seederCpuPerGiB(result: CrowdResult): number | null {
  if (result.seederCpuSeconds === null || result.seederUploadBytes <= 0) return null;
  return result.seederCpuSeconds / (result.seederUploadBytes / GiB);
}

/**
 * The least a leecher of this crowd must spend per GiB it downloads: the leecher floor, plus
 * the seeder floor for its share of what the leechers served each other (their up copies over
 * their number; headers included, ~2.5 %). In a swarm a leecher also uploads, about one copy
 * per copy it downloads at N = 8, and the leecher floor alone leaves that out.
 */
export function swarmLeecherFloorPerGiB(
  result: CrowdResult,
  sizeBytes: number,
  floor: MachineFloor,
): number {
  const servedPerDownloaded = result.leechersUploadBytes / (result.leechers.length * sizeBytes);
  return floor.leecherCoreSecondsPerGiB + servedPerDownloaded * floor.seederCoreSecondsPerGiB;
}

/** Issue 15's LAN target against each system's leechers (medians over the ok crowds). */
export function cpuTargetLines(
  rows: CrowdRow[],
  systems: string[],
  sizeBytes: number,
  floor: MachineFloor,
): string[] {
  const floorPerGiB = floor.leecherCoreSecondsPerGiB;
  return systems.map((system) => {
    const cells = [...new Set(rows.map((row) => row.leechers))].map((n) => {
      const good = rows.filter((row) => row.system === system && row.leechers === n && allOk(row));
      const all = median(good.map((row) => cpuPerGiB(row.result!, sizeBytes)));
      const beyond = median(good.map((row) => cpuBeyondStartupPerGiB(row, sizeBytes)));
      const swarmFloor = median(
        good.map((row) => swarmLeecherFloorPerGiB(row.result!, sizeBytes, floor)),
      );
      const ratio =
        beyond === null || swarmFloor === null
          ? '-'
          : `${fixed(beyond / floorPerGiB, 1)}x the floor; ${fixed(beyond / swarmFloor, 1)}x ${fixed(swarmFloor, 2)}, the floor with what they served`;
      return `N=${n} ${fixed(all, 2)} (${fixed(beyond, 2)} beyond start-up, ${ratio})`;
    });
    const startup = median(
      rows.filter((row) => row.system === system).map((row) => row.startupCpuSeconds),
    );
    return `${system} leechers' CPU core-s/GiB: ${cells.join(', ')}; start-up ${fixed(startup, 2)} core-s each; LAN leecher floor ${fixed(floorPerGiB, 2)} (target: <= ${LEECHERS_MAX_CORE_SECONDS_PER_GIB} at 100 Mbit/s)`;
  });
}

/** A crowd counts in the summary only when every leecher got the exact file. */
export function allOk(row: CrowdRow): boolean {
  return row.result?.leechers.every((leecher) => leecher.problem === null) ?? false;
}

/** `| N | bound s | seeder alone s | <system> all done s … |`, medians over the ok runs. */
export function summaryTable(
  rows: CrowdRow[],
  systems: string[],
  leecherCounts: number[],
  sizeBytes: number,
  rateMbit: number,
): { headers: string[]; rows: string[][] } {
  const headers = [
    'leechers',
    ...systems.map((system) => `${system} all done s`),
    'bound s',
    'seeder alone s',
    ...systems.map((system) => `${system} CPU core-s/GiB`),
  ];
  // A `*` marks a median over fewer runs than were made (the others failed).
  const cell = (system: string, n: number, pick: (row: CrowdRow) => number | null, digits = 1) => {
    const mine = rows.filter((row) => row.system === system && row.leechers === n);
    const good = mine.filter(allOk);
    if (mine.length === 0) return '-';
    if (good.length === 0) return 'FAILED';
    const value = fixed(median(good.map(pick)), digits);
    return good.length < mine.length ? `${value}*` : value;
  };
  return {
    headers,
    rows: leecherCounts.map((n) => [
      String(n),
      ...systems.map((system) => cell(system, n, (row) => row.result!.allDoneSeconds)),
      fixed(p2pLowerBoundSeconds(sizeBytes, rateMbit, n), 1),
      fixed(seederOnlySeconds(sizeBytes, rateMbit, n), 1),
      ...systems.map((system) => cell(system, n, (row) => cpuPerGiB(row.result!, sizeBytes), 2)),
    ]),
  };
}

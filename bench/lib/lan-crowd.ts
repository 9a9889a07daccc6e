import { join } from 'node:path';
import type { SwarmFile } from './files.ts';
import type { LanStar, LinkBytes, LinkDrops } from './lan-star.ts';
import { judgeLeecher } from './leecher-result.ts';
import { type LinkReading, TIMELINE_INTERVAL_MS } from './link-timeline.ts';
import { runMeasured } from './measure.ts';
import { readCpuSeconds } from './proc-stats.ts';
import type { Workspace } from './workspace.ts';

/**
 * A flash crowd on the LAN: N leechers started in the same instant against a ready seeder,
 * each timed to when it had its file verified (its own word for it) and to its exit, its file
 * checked, its link watched for its first data.
 */

/**
 * A leecher "got its first data" once its downlink carried this much: more than all control
 * traffic before the transfer (tracker replies, handshakes, and bt-tui's metainfo, at most
 * targetPieceCount 2048 piece hashes x 32 B = 64 KiB) plus 4 blocks of 16 KiB. At 100 Mbit/s
 * the 64 KiB of data take 5 ms.
 */
export const FIRST_DATA_BYTES = 128 * 1024;
/** How often the switch's counters are read while the crowd runs. */
const LINK_POLL_INTERVAL_MS = 10;

/** How to start one leecher on its host, and where its file will be. */
export interface LeecherLaunch {
  /** The host's label (`l3`). */
  host: string;
  command: string;
  args: string[];
  downloadedPath: string;
  /**
   * When (Unix ms) the leecher had the whole file verified, from what it said or wrote (its
   * output lines are given); null if it never said, and its exit counts instead. Why not the exit:
   * a leecher that goes on seeding (`--seed-time`) exits later than it was done.
   */
  doneAtWallMs(lines: string[]): number | null;
}

/** One leecher of the crowd. */
export interface CrowdLeecher {
  host: string;
  /** From the crowd's start until it had the file verified (its exit if it never said). */
  doneSeconds: number;
  /** From the crowd's start to this leecher's exit. */
  exitSeconds: number;
  /** From the crowd's start until its downlink carried FIRST_DATA_BYTES; null if never. */
  firstDataSeconds: number | null;
  /** utime + stime of the leecher process (GNU time, from wait4), or /proc polling. */
  cpuSeconds: number | null;
  /** Null when it exited 0 with the original's SHA-256. */
  problem: string | null;
}

/** What one flash crowd cost. */
export interface CrowdResult {
  leechers: CrowdLeecher[];
  /** The switch's counters every TIMELINE_INTERVAL_MS, when asked for (see link-timeline.ts). */
  timeline: LinkReading[];
  /** From the crowd's start until the last leecher had the file verified. */
  allDoneSeconds: number;
  /** From the crowd's start to the last leecher's exit. */
  allExitedSeconds: number;
  /** Bytes the seeder's host sent during the crowd (frames, headers included). */
  seederUploadBytes: number;
  /** CPU the seeder process used during the crowd (Δ /proc/PID/stat); null if unreadable. */
  seederCpuSeconds: number | null;
  /** Bytes all leecher hosts sent together (to each other, and to tracker and seeder). */
  leechersUploadBytes: number;
  /** Packets tbf dropped on any link during the crowd. */
  tbfDrops: number;
  /** The same, by where: the seeder's uplink, the leechers' uplinks, the leechers' downlinks. */
  tbfDropsWhere: { seederUp: number; leechersUp: number; leechersDown: number };
  /** UDP datagrams the leecher hosts dropped for a full receive buffer (null: unreadable). */
  leechersRcvbufErrors: number | null;
}

/** Starts every launch at once, waits for all to exit (or `timeoutMs`), judges each. */
export async function runFlashCrowd(
  workspace: Workspace,
  star: LanStar,
  file: SwarmFile,
  seederHost: string,
  launches: LeecherLaunch[],
  timeoutMs: number,
  seederPid: number,
  recordTimeline = false,
): Promise<CrowdResult> {
  const before = star.readLinks();
  const seederCpuBefore = readCpuSeconds(seederPid);
  const tbfDropsBefore = star.readTbfDrops();
  const hosts = launches.map((launch) => launch.host);
  const rcvbufErrorsBefore = star.readRcvbufErrors(hosts);
  const firstDataMs = new Map<string, number>();
  const startedMs = performance.now();
  const startedWallMs = Date.now();
  const timeline: LinkReading[] = [];
  const timelinePoller = recordTimeline
    ? setInterval(
        () => timeline.push({ ms: performance.now() - startedMs, links: star.readLinks() }),
        TIMELINE_INTERVAL_MS,
      )
    : null;
  if (recordTimeline) timeline.push({ ms: 0, links: before });
  const poller = setInterval(() => {
    const now = star.readLinks();
    for (const { host } of launches) {
      if (firstDataMs.has(host)) continue;
      if (downloaded(now, before, host) >= FIRST_DATA_BYTES) {
        firstDataMs.set(host, performance.now() - startedMs);
      }
    }
    // Polling took 3-4 % of the two cores, and after the last first data it measures nothing.
    if (firstDataMs.size === launches.length) clearInterval(poller);
  }, LINK_POLL_INTERVAL_MS);
  // runMeasured spawns before its first await: the loop starts all leechers back to back.
  const runs = launches.map((launch) =>
    runMeasured(workspace.group, {
      label: `leecher ${launch.host}`,
      command: launch.command,
      args: launch.args,
      statsPath: join(workspace.dir, `leecher-${launch.host}.time`),
      timeoutMs,
      // Its sockets live in its host's namespace; the hosts' RcvbufErrors are read below.
      socketDrops: false,
    }).then((measured) => ({ measured, doneMs: performance.now() - startedMs })),
  );
  const finished = await Promise.all(runs);
  clearInterval(poller);
  if (timelinePoller !== null) clearInterval(timelinePoller);
  const seederCpuAfter = readCpuSeconds(seederPid);
  const after = star.readLinks();
  const rcvbufErrorsAfter = star.readRcvbufErrors(hosts);
  const leechers: CrowdLeecher[] = [];
  for (const [index, { measured, doneMs }] of finished.entries()) {
    const launch = launches[index]!;
    const judged = await judgeLeecher(measured, file, launch.downloadedPath, null, null);
    const firstMs = firstDataMs.get(launch.host);
    const doneAtWallMs = launch.doneAtWallMs(measured.lines);
    leechers.push({
      host: launch.host,
      doneSeconds: doneAtWallMs === null ? doneMs / 1000 : (doneAtWallMs - startedWallMs) / 1000,
      exitSeconds: doneMs / 1000,
      firstDataSeconds: firstMs === undefined ? null : firstMs / 1000,
      cpuSeconds: measured.cpuSeconds,
      problem: judged.problem,
    });
  }
  return {
    leechers,
    timeline,
    allDoneSeconds: Math.max(...leechers.map((leecher) => leecher.doneSeconds)),
    allExitedSeconds: Math.max(...leechers.map((leecher) => leecher.exitSeconds)),
    seederUploadBytes: uploaded(after, before, seederHost),
    seederCpuSeconds:
      seederCpuBefore === null || seederCpuAfter === null ? null : seederCpuAfter - seederCpuBefore,
    leechersUploadBytes: launches.reduce((sum, { host }) => sum + uploaded(after, before, host), 0),
    ...dropsDuring(tbfDropsBefore, star.readTbfDrops(), seederHost, hosts),
    leechersRcvbufErrors:
      rcvbufErrorsBefore === null || rcvbufErrorsAfter === null
        ? null
        : rcvbufErrorsAfter - rcvbufErrorsBefore,
  };
}

function downloaded(now: Map<string, LinkBytes>, before: Map<string, LinkBytes>, host: string) {
  return (now.get(host)?.toHostBytes ?? 0) - (before.get(host)?.toHostBytes ?? 0);
}

function uploaded(now: Map<string, LinkBytes>, before: Map<string, LinkBytes>, host: string) {
  return (now.get(host)?.fromHostBytes ?? 0) - (before.get(host)?.fromHostBytes ?? 0);
}

/** Packets the shapers dropped between two readings: in all, and by link. */
function dropsDuring(
  before: Map<string, LinkDrops>,
  after: Map<string, LinkDrops>,
  seederHost: string,
  leecherHosts: string[],
): Pick<CrowdResult, 'tbfDrops' | 'tbfDropsWhere'> {
  const during = (host: string, way: keyof LinkDrops): number =>
    (after.get(host)?.[way] ?? 0) - (before.get(host)?.[way] ?? 0);
  const sum = (hosts: string[], way: keyof LinkDrops): number =>
    hosts.reduce((total, host) => total + during(host, way), 0);
  const everyHost = [...after.keys()];
  return {
    tbfDrops: sum(everyHost, 'up') + sum(everyHost, 'down'),
    tbfDropsWhere: {
      seederUp: during(seederHost, 'up'),
      leechersUp: sum(leecherHosts, 'up'),
      leechersDown: sum(leecherHosts, 'down'),
    },
  };
}

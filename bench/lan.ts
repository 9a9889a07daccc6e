/**
 * Flash crowd on an emulated LAN: a star of network namespaces around a Linux bridge, every
 * link shaped by tbf both ways; one seeder host, one tracker host, N leecher hosts started
 * together; bt-tui and aria2c + opentracker on the same star, the same file, the same run.
 * Needs root (ip netns, tc).
 *
 *   node --import tsx bench/lan.ts [--rate 100] [--size 64] [--n 1,4,8,16] [--runs 1]
 *                                  [--only bt-tui|aria2] [--cli PATH/dist/cli.js]
 *                                  [--seed-time SECONDS] [--timeline DIR]
 *
 * Prints one line per crowd and two tables. Figures, not a test: see README.md.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { defaults } from '../source/config.ts';
import { CLI_PATH, ensureFreshBuild } from './lib/build.ts';
import { createSwarmFile, type SwarmFile } from './lib/files.ts';
import { describeFloor, type MachineFloor } from './lib/floor.ts';
import { Aria2LanSwarm } from './lib/lan-aria2.ts';
import { FIRST_DATA_BYTES, runFlashCrowd } from './lib/lan-crowd.ts';
import { parseLanFlags } from './lib/lan-flags.ts';
import { measureLanFloor } from './lib/lan-floor.ts';
import { OurLanSwarm } from './lib/lan-ours.ts';
import {
  allOk,
  type CrowdRow,
  cpuPerGiB,
  cpuTargetLines,
  DETAIL_HEADERS,
  detailRow,
  linkUseRange,
  p2pLowerBoundSeconds,
  seederOnlySeconds,
  summaryTable,
} from './lib/lan-report.ts';
import { existingLanNamespaces, LanStar, NAMESPACE_PREFIX } from './lib/lan-star.ts';
import {
  type LanSwarm,
  type LanSystemName,
  leecherHosts,
  SEEDER_HOST,
  TRACKER_HOST,
} from './lib/lan-system.ts';
import { TIMELINE_INTERVAL_MS, timelineTsv } from './lib/link-timeline.ts';
import { busyMachineWarning, describeMachine } from './lib/proc-stats.ts';
import { fixed, formatTable } from './lib/table.ts';
import { describeAria2Tools, ensureAria2Tools } from './lib/tools.ts';
import { type Workspace, withWorkspace } from './lib/workspace.ts';

/** A leecher still running after its share of the seeder-alone time, 4 times over, is stuck. */
const leechTimeoutMs = (seederAloneSeconds: number) => 60_000 + 4_000 * seederAloneSeconds;

/** Exit code of a run stopped by SIGHUP (128 + 1), as a shell reports it. */
const EXIT_ON_HANGUP = 129;

const flags = parseLanFlags(process.argv.slice(2));
if (process.getuid?.() !== 0) {
  console.error(
    'bench/lan.ts needs root: it creates network namespaces, veth pairs, a bridge and tc qdiscs (run it with sudo)',
  );
  process.exit(2);
}
if (flags.timelineDir !== null) makeTimelineDir(flags.timelineDir);
const leftOver = existingLanNamespaces();
if (leftOver.length > 0) {
  console.error(
    `network namespaces ${leftOver.join(', ')} exist: another bench/lan.ts is running, or one was killed before it cleaned up. Not touching them. If none runs: for ns in ${leftOver.join(' ')}; do ip netns del $ns; done`,
  );
  process.exit(2);
}
if (flags.systems.includes('aria2')) ensureAria2Tools();
if (flags.cliPath === null && flags.systems.includes('bt-tui')) ensureFreshBuild();
const cliPath = flags.cliPath ?? CLI_PATH;
const maxLeechers = Math.max(...flags.leecherCounts);

console.log(describeMachine());
const busy = busyMachineWarning();
if (busy) console.log(busy);
if (flags.systems.includes('aria2')) console.log(`compared with: ${describeAria2Tools()}`);
console.log(
  `scenario: star LAN (namespaces ${NAMESPACE_PREFIX}*, bridge, tbf ${flags.rateMbit} Mbit/s up and down on every host), ${flags.sizeMiB} MiB of random bytes, 1 seeder -> N = ${flags.leecherCounts.join(', ')} leechers started together, each seeding ${flags.seedTimeSeconds} s once done (--seed-time), ${flags.runs} run(s) each; bt-tui CLI ${cliPath}`,
);

process.exitCode = await withWorkspace('bt-bench-lan', async (workspace) => {
  const file = await createSwarmFile(workspace.dir, flags.sizeMiB);
  const hosts = [TRACKER_HOST, SEEDER_HOST, ...leecherHosts(maxLeechers)];
  const star = LanStar.create(workspace.group, hosts, flags.rateMbit);
  // Ctrl+C and SIGTERM: withWorkspace stops the processes and exits; the star goes on 'exit'.
  const onExit = () => star.delete();
  const onHangup = () => {
    console.error('\nSIGHUP: stopping the bench processes, removing the namespaces');
    void workspace.group.stopAll().finally(() => process.exit(EXIT_ON_HANGUP));
  };
  process.on('exit', onExit);
  process.on('SIGHUP', onHangup);
  const v6 = flags.ipv6
    ? `, bt-tui over IPv6 (2001:db8:18::1-${hosts.length.toString(16)}; the floor over IPv4)`
    : '';
  console.log(`LAN up: ${hosts.length} hosts on 198.18.0.1-${hosts.length}${v6}`);
  const floor = await measureLanFloor(
    workspace,
    star,
    file,
    flags.rateMbit,
    defaults.blockSizeBytes,
  );
  for (const line of describeFloor(floor)) console.log(line);
  const rows: CrowdRow[] = [];
  try {
    for (const leechers of flags.leecherCounts) {
      for (let run = 0; run < flags.runs; run++) {
        for (const system of flags.systems) {
          const row = await runCrowd(workspace, star, file, system, leechers, run);
          console.log(describeCrowd(row, file.sizeBytes));
          rows.push(row);
        }
      }
    }
  } finally {
    star.delete();
    process.off('exit', onExit);
    process.off('SIGHUP', onHangup);
  }
  printTables(rows, file.sizeBytes, floor);
  return rows.every(allOk) ? 0 : 1;
});

/** Starts the system's tracker and seeder, runs one crowd of `leechers`, stops it all. */
async function runCrowd(
  workspace: Workspace,
  star: LanStar,
  file: SwarmFile,
  system: LanSystemName,
  leechers: number,
  run: number,
): Promise<CrowdRow> {
  const root = join(workspace.dir, `${system}-n${leechers}-run${run + 1}`);
  const row = { system: displayName(system), leechers, run };
  let swarm: LanSwarm | null = null;
  try {
    swarm =
      system === 'bt-tui'
        ? await OurLanSwarm.start(workspace, star, file, cliPath, root, flags.ipv6)
        : await Aria2LanSwarm.start(workspace, star, file, root);
    const timeoutMs =
      leechTimeoutMs(seederOnlySeconds(file.sizeBytes, flags.rateMbit, leechers)) +
      flags.seedTimeSeconds * 1000;
    // On the tracker's host: no leecher's address has seen another node before the crowd.
    const startupCpuSeconds = await swarm.measureStartupCpu(TRACKER_HOST);
    const launches = swarm.leecherLaunches(leecherHosts(leechers), flags.seedTimeSeconds);
    const seederPid = swarm.seederPid();
    const result = await runFlashCrowd(
      workspace,
      star,
      file,
      SEEDER_HOST,
      launches,
      timeoutMs,
      seederPid,
      flags.timelineDir !== null,
    );
    if (flags.timelineDir !== null) {
      const path = join(flags.timelineDir, `${system}-n${leechers}-run${run + 1}.tsv`);
      const hosts = [SEEDER_HOST, ...leecherHosts(leechers)];
      writeFileSync(path, timelineTsv(result.timeline, hosts));
      console.log(`  timeline: ${path} (MiB/s per ${TIMELINE_INTERVAL_MS} ms, each host down, up)`);
    }
    return { ...row, result, startupCpuSeconds, error: null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...row, result: null, startupCpuSeconds: null, error: message };
  } finally {
    await swarm?.stop();
    // The logs of every node, for a look afterwards (see withWorkspace).
    if (process.env.BT_BENCH_KEEP !== '1') rmSync(root, { recursive: true, force: true });
  }
}

/** --timeline DIR, made if missing; exits 2 with the reason when it cannot be. */
function makeTimelineDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    console.error(`--timeline ${dir}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}

function displayName(system: LanSystemName): string {
  return system === 'aria2' ? 'aria2c' : system;
}

function describeCrowd(row: CrowdRow, sizeBytes: number): string {
  const head = `  ${row.system} N=${row.leechers} run ${row.run + 1}`;
  const { result } = row;
  if (result === null) return `${head}: FAILED before the crowd: ${row.error}`;
  const ok = result.leechers.filter((leecher) => leecher.problem === null).length;
  const firsts = result.leechers.map((leecher) => fixed(leecher.firstDataSeconds, 2));
  const dones = result.leechers.map((leecher) => fixed(leecher.doneSeconds, 1));
  const problems = result.leechers
    .filter((leecher) => leecher.problem !== null)
    .map((leecher) => `\n    ${leecher.host}: ${leecher.problem}`);
  return `${head}: all done ${fixed(result.allDoneSeconds, 2)} s (each: ${dones.join(' ')}), all exited ${fixed(result.allExitedSeconds, 2)} s, first data at ${firsts.join(' ')} s, link use once data flowed ${linkUseRange(result, sizeBytes, flags.rateMbit)} (min/median), seeder sent ${fixed(result.seederUploadBytes / sizeBytes, 2)} copies, leechers ${fixed(result.leechersUploadBytes / sizeBytes, 2)}, CPU ${fixed(cpuPerGiB(result, sizeBytes), 2)} core-s/GiB, tbf drops ${result.tbfDrops} (seeder up ${result.tbfDropsWhere.seederUp}, leechers up ${result.tbfDropsWhere.leechersUp}, down ${result.tbfDropsWhere.leechersDown}), RcvbufErrors ${result.leechersRcvbufErrors ?? '-'}; ${ok}/${result.leechers.length} SHA-256 ok${problems.join('')}`;
}

function printTables(rows: CrowdRow[], sizeBytes: number, floor: MachineFloor): void {
  const systems = flags.systems.map(displayName);
  const summary = summaryTable(rows, systems, flags.leecherCounts, sizeBytes, flags.rateMbit);
  console.log('');
  console.log(formatTable(summary.headers, summary.rows));
  console.log(
    `(all done: crowd start until the last leecher had the file verified (bt-tui: its 'done' line; aria2c: its --on-bt-download-complete hook; a leecher that never said: its exit), median of runs where every leecher verified; * = some runs failed. bound = max(F/u_s, F/d_min, N·F/(u_s+Σu_i)) = ${fixed(p2pLowerBoundSeconds(sizeBytes, flags.rateMbit, 1), 1)} s for every N here; seeder alone = N·F/u_s, the best without swarming)`,
  );
  console.log('');
  console.log(
    formatTable(
      DETAIL_HEADERS,
      rows.map((row) => detailRow(row, sizeBytes, flags.rateMbit)),
    ),
  );
  console.log(
    `(first data: crowd start until the leecher's downlink carried ${FIRST_DATA_BYTES / 1024} KiB; link use: file size over the time from first data to done, as a share of the link's rate (headers count against it: ~97 % is a full link); copies: bytes the host's link carried up / file size, Ethernet + IP (+ TCP) headers included, ~2.5 % for UDP fragments, ~4.5 % for TCP, from the switch port's counters; CPU: leechers' user + system seconds summed, per GiB downloaded in all, and the same less each one's start-up (an idle client's CPU); seeder: its CPU during the crowd per GiB its link carried up; tbf drops: packets the shapers dropped on all links; RcvbufErrors: UDP datagrams the leecher hosts dropped for a full socket buffer)`,
  );
  for (const line of cpuTargetLines(rows, systems, sizeBytes, floor)) console.log(line);
  console.log(
    `load average at the end: ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  );
  for (const row of rows.filter((candidate) => !allOk(candidate))) {
    const reasons = row.result
      ? row.result.leechers
          .filter((leecher) => leecher.problem)
          .map((l) => `${l.host}: ${l.problem}`)
      : [row.error];
    console.log(`FAILED ${row.system} N=${row.leechers} run ${row.run + 1}: ${reasons.join('; ')}`);
  }
}

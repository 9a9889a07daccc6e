import { existsSync, readFileSync } from 'node:fs';
import { readUdpReceiveBufferErrors } from '../../source/net/udp-snmp.ts';
import { readCpuSeconds, readStatusBytes } from './proc-stats.ts';
import type { ProcessExit, ProcessGroup } from './processes.ts';
import { childPids, udpSocketDrops } from './socket-drops.ts';

/** GNU time reports the child's peak RSS and CPU times exactly, read by the kernel at exit. */
const GNU_TIME = '/usr/bin/time';

/** Without GNU time, /proc is sampled this often (the last few ms of CPU may be missed). */
const POLL_INTERVAL_MS = 20;

/** The leecher's own socket drops are sampled this often (a monotonic counter). */
const DROPS_POLL_INTERVAL_MS = 50;

/** What one measured process cost: wall time from spawn to exit, peak memory, CPU, UDP drops. */
export interface MeasuredRun {
  exit: ProcessExit;
  /** True when the process was killed for running past its time limit. */
  timedOut: boolean;
  wallSeconds: number;
  peakRssBytes: number | null;
  cpuSeconds: number | null;
  /** Growth of the system-wide UDP RcvbufErrors counter during the run (null: unreadable). */
  rcvbufErrorsDelta: number | null;
  /** Datagrams dropped on the measured process's own UDP sockets (null: it had none). */
  socketDrops: number | null;
  /** How peak RSS and CPU were read: `time -v` or `/proc polling`. */
  method: string;
  /** The process's output lines. */
  lines: string[];
}

export interface MeasureOptions {
  label: string;
  command: string;
  args: string[];
  /** Where GNU time writes its figures (a file in the bench's temp dir). */
  statsPath: string;
  timeoutMs: number;
  /**
   * Poll the process's own UDP socket drops (default true). Reading them walks its fds and the
   * reader's /proc/net/udp every 50 ms; a process in another network namespace has no sockets
   * there. During a crowd of eight the bench took 9 % of the LAN testbed's two cores with that
   * walk, 4 % without it.
   */
  socketDrops?: boolean;
}

/** Runs a command to its end under measurement; never throws for a failing command. */
export async function runMeasured(
  group: ProcessGroup,
  options: MeasureOptions,
): Promise<MeasuredRun> {
  const useGnuTime = existsSync(GNU_TIME);
  const command = useGnuTime ? GNU_TIME : options.command;
  const args = useGnuTime
    ? ['-f', '%M %U %S', '-o', options.statsPath, options.command, ...options.args]
    : options.args;
  const errorsBefore = readUdpReceiveBufferErrors();
  const startedMs = performance.now();
  const tracked = group.spawn(options.label, command, args);
  // Under GNU time the measured process is time's child: poll only when it is ours directly.
  const polled = { peakRssBytes: null as number | null, cpuSeconds: null as number | null };
  const poller = useGnuTime
    ? null
    : setInterval(() => {
        polled.peakRssBytes = readStatusBytes(tracked.pid, 'VmHWM') ?? polled.peakRssBytes;
        polled.cpuSeconds = readCpuSeconds(tracked.pid) ?? polled.cpuSeconds;
      }, POLL_INTERVAL_MS);
  let socketDrops: number | null = null;
  const dropsPoller =
    options.socketDrops === false
      ? null
      : setInterval(() => {
          const pid = useGnuTime ? childPids(tracked.pid)[0] : tracked.pid;
          if (pid !== undefined) socketDrops = udpSocketDrops(pid) ?? socketDrops;
        }, DROPS_POLL_INTERVAL_MS);
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    void group.stop(tracked);
  }, options.timeoutMs);
  const exit = await tracked.exited;
  const wallSeconds = (performance.now() - startedMs) / 1000;
  clearTimeout(killer);
  if (poller) clearInterval(poller);
  if (dropsPoller) clearInterval(dropsPoller);
  const errorsAfter = readUdpReceiveBufferErrors();
  const figures = useGnuTime ? readGnuTimeFigures(options.statsPath) : polled;
  return {
    exit,
    timedOut,
    wallSeconds,
    ...figures,
    rcvbufErrorsDelta:
      errorsBefore === null || errorsAfter === null ? null : errorsAfter - errorsBefore,
    socketDrops,
    method: useGnuTime ? 'time -v' : '/proc polling',
    lines: tracked.lines,
  };
}

/** Reads `%M %U %S` (KiB, s, s) from the last line GNU time wrote. */
function readGnuTimeFigures(path: string): {
  peakRssBytes: number | null;
  cpuSeconds: number | null;
} {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { peakRssBytes: null, cpuSeconds: null };
  }
  // A killed child makes time write "Command terminated by signal N" before the figures.
  const last = text.trim().split('\n').at(-1) ?? '';
  const [rssKiB, user, system] = last.split(' ').map(Number);
  if (rssKiB === undefined || user === undefined || system === undefined || Number.isNaN(rssKiB)) {
    return { peakRssBytes: null, cpuSeconds: null };
  }
  return { peakRssBytes: rssKiB * 1024, cpuSeconds: user + system };
}

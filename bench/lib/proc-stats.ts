import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

/** Kernel clock ticks per second, the unit of utime/stime in /proc/PID/stat. */
const CLOCK_TICKS_PER_SECOND = readClockTicks();

function readClockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isSafeInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100; // The value on every Linux we know of.
  }
}

/** A `kB` field of /proc/PID/status in bytes (VmRSS: now, VmHWM: peak so far); null if gone. */
export function readStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  return match?.[1] === undefined ? null : Number(match[1]) * 1024;
}

/** The sum, or null when any reading is unknown (a process already gone, /proc unreadable). */
export function sumOrNull(values: readonly (number | null)[]): number | null {
  return values.includes(null) ? null : values.reduce<number>((sum, n) => sum + (n ?? 0), 0);
}

/** User + system CPU seconds a process has used so far (/proc/PID/stat); null if gone. */
export function readCpuSeconds(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime) of stat(5) are indexes 11 and 12 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / CLOCK_TICKS_PER_SECOND : null;
}

/**
 * The machine a figure was measured on: cores, CPU model, node, kernel UDP buffer cap, and the
 * 1-minute load average at the start (other work on a 2-core machine skews every figure).
 */
export function describeMachine(): string {
  const cpuInfo = readText('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuInfo)?.[1]?.trim() ?? 'unknown CPU';
  const rmemMax = readText('/proc/sys/net/core/rmem_max').trim() || 'unknown';
  return `machine: ${availableParallelism()} cores (nproc), ${model}, node ${process.version}, ${process.platform} ${readText('/proc/sys/kernel/osrelease').trim()}, net.core.rmem_max ${rmemMax} B, load ${loadavg()[0]?.toFixed(2)}`;
}

/** A warning line when other work was running as the bench started, or null. */
export function busyMachineWarning(): string | null {
  const [load = 0] = loadavg();
  const cores = availableParallelism();
  return load > cores / 2
    ? `WARNING: load average ${load.toFixed(2)} on ${cores} cores at start: other work competes for the CPU, figures will be low`
    : null;
}

/** Prints describeMachine() and, when other work was running, busyMachineWarning(). */
export function printMachine(): void {
  console.log(describeMachine());
  const busy = busyMachineWarning();
  if (busy) console.log(busy);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

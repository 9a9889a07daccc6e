import { MiB, type SwarmFile, sha256OfFile } from './files.ts';
import type { MeasuredRun } from './measure.ts';
import { describeExit } from './processes.ts';
import type { SeederServing } from './serving-cost.ts';

/** One leecher run, judged: exact file or not, and its speed two ways. */
export interface LeecherResult {
  measured: MeasuredRun;
  /** Null when the run exited 0 and the downloaded file has the original's SHA-256. */
  problem: string | null;
  /** File size / wall time of the leecher process (spawn to exit, startup included). */
  wallMiBps: number;
  /** The client's own figure for the transfer (our `done` line, aria2c's avg speed). */
  engineMiBps: number | null;
  /** Distinct owners the leecher said it used (null where the client does not say). */
  owners: number | null;
  /** What the run cost each seeder, where the bench watched them. */
  seeders?: SeederServing[];
  /** REQUEST datagrams the leecher sent (bt-tui's `transfer` line), where it says. */
  requests?: number | null;
}

/** Checks exit code and SHA-256 of `downloadedPath`, and computes the wall-time rate. */
export async function judgeLeecher(
  measured: MeasuredRun,
  file: SwarmFile,
  downloadedPath: string,
  engineMiBps: number | null,
  owners: number | null,
): Promise<LeecherResult> {
  const result = {
    measured,
    wallMiBps: file.sizeBytes / MiB / measured.wallSeconds,
    engineMiBps,
    owners,
  };
  if (measured.timedOut) return { ...result, problem: 'timed out (killed)' };
  if (measured.exit.code !== 0) {
    const lastLines = measured.lines.slice(-3).join(' / ');
    return { ...result, problem: `exited with ${describeExit(measured.exit)}: ${lastLines}` };
  }
  const sha256 = await sha256OfFile(downloadedPath);
  if (sha256 === null) return { ...result, problem: `no file at ${downloadedPath}` };
  if (sha256 !== file.sha256) {
    return { ...result, problem: `CORRUPT: SHA-256 ${sha256} instead of ${file.sha256}` };
  }
  return { ...result, problem: null };
}

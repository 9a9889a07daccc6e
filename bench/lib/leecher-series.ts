import { withCpuHog } from './cpu-hog.ts';
import { describeRunCpu } from './cpu-report.ts';
import type { LeecherResult } from './leecher-result.ts';
import type { ProcessGroup } from './processes.ts';
import { describeRun } from './report.ts';

export interface SeriesOptions {
  label: string;
  runs: number;
  /** Also run the series again with a CPU hog busy-looping on one core. */
  contention: boolean;
  /** CPU of an idle process of the same client: its start-up, not counted per byte. */
  startupCpuSeconds: number | null;
  fileBytes: number;
}

/**
 * Runs `runs` leechers one after another, printing two lines per run (figures, CPU per byte),
 * then, with `contention`, as many again (run numbers continue, so node ids stay unique) with
 * a CPU hog running.
 */
export async function runLeecherSeries(
  group: ProcessGroup,
  options: SeriesOptions,
  runLeecher: (run: number) => Promise<LeecherResult>,
): Promise<{ results: LeecherResult[]; hogged: LeecherResult[] }> {
  const series = async (label: string, firstRun: number) => {
    const results: LeecherResult[] = [];
    for (let run = firstRun; run < firstRun + options.runs; run++) {
      const result = await runLeecher(run);
      console.log(describeRun(label, run - firstRun, result));
      console.log(describeRunCpu(result, options.startupCpuSeconds, options.fileBytes));
      results.push(result);
    }
    return results;
  };
  const results = await series(options.label, 0);
  const hogged = options.contention
    ? await withCpuHog(group, () => series(`${options.label} + CPU hog`, options.runs))
    : [];
  return { results, hogged };
}

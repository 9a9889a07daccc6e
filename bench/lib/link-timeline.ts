import type { LinkBytes } from './lan-star.ts';

/**
 * Every host's link rates through a crowd, one row per reading (`bench/lan.ts --timeline DIR`).
 * Totals say how long a crowd took; this says where: how long each downlink took to fill, when
 * the seeder's uplink sagged (its copy is the crowd's critical path), who was still downloading
 * at the end. Pure: the readings come in, a TSV goes out.
 */

/** How often the switch's counters are read for the timeline. */
export const TIMELINE_INTERVAL_MS = 100;

/** One reading of the switch's counters, `ms` after the crowd started. */
export interface LinkReading {
  ms: number;
  links: Map<string, LinkBytes>;
}

/**
 * A TSV: seconds since the crowd started (at the end of each interval), then per host its
 * downlink and uplink in MiB/s over the interval (frames, headers included: a full 100 Mbit/s
 * link reads 11.9). Hosts in the order given; a host missing from a reading counts 0 bytes.
 */
export function timelineTsv(readings: readonly LinkReading[], hosts: readonly string[]): string {
  const columns = hosts.flatMap((host) => [`${host} down`, `${host} up`]);
  const lines = [['s', ...columns].join('\t')];
  for (let index = 1; index < readings.length; index++) {
    const before = readings[index - 1]!;
    const now = readings[index]!;
    const seconds = (now.ms - before.ms) / 1000;
    if (seconds <= 0) continue;
    const rate = (bytes: number) => (bytes / seconds / (1024 * 1024)).toFixed(2);
    const cells = hosts.flatMap((host) => {
      const a = before.links.get(host);
      const b = now.links.get(host);
      return [
        rate((b?.toHostBytes ?? 0) - (a?.toHostBytes ?? 0)),
        rate((b?.fromHostBytes ?? 0) - (a?.fromHostBytes ?? 0)),
      ];
    });
    lines.push([(now.ms / 1000).toFixed(2), ...cells].join('\t'));
  }
  return `${lines.join('\n')}\n`;
}

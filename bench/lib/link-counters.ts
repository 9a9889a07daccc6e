import { execFileSync } from 'node:child_process';

/** What the kernel counts on a network device, read without help from the programs measured. */

/** /proc/net/dev as device → byte counters (columns 1 and 9 after the `name:`). */
export function parseNetDev(text: string): Map<string, { rxBytes: number; txBytes: number }> {
  const devices = new Map<string, { rxBytes: number; txBytes: number }>();
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    devices.set(line.slice(0, colon).trim(), { rxBytes: fields[0] ?? 0, txBytes: fields[8] ?? 0 });
  }
  return devices;
}

/** Packets the tbf qdisc of `device` in `namespace` dropped so far (`tc -s qdisc`). */
export function qdiscDrops(namespace: string, device: string): number {
  const json = execFileSync('tc', ['-n', namespace, '-s', '-j', 'qdisc', 'show', 'dev', device], {
    encoding: 'utf8',
  });
  const qdiscs = JSON.parse(json) as { kind: string; drops?: number }[];
  return qdiscs
    .filter((qdisc) => qdisc.kind === 'tbf')
    .reduce((sum, qdisc) => sum + (qdisc.drops ?? 0), 0);
}

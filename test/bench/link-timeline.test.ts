import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LinkBytes } from '../../bench/lib/lan-star.ts';
import { timelineTsv } from '../../bench/lib/link-timeline.ts';

const MiB = 1024 * 1024;

function links(entries: Record<string, [number, number]>): Map<string, LinkBytes> {
  return new Map(
    Object.entries(entries).map(([host, [toHostBytes, fromHostBytes]]) => [
      host,
      { toHostBytes, fromHostBytes },
    ]),
  );
}

test('a timeline row per interval: each host down and up in MiB/s over it', () => {
  const tsv = timelineTsv(
    [
      { ms: 0, links: links({ seeder: [0, 0], l1: [0, 0] }) },
      { ms: 100, links: links({ seeder: [1000, 1.2 * MiB], l1: [1.1 * MiB, 2000] }) },
      // A reading that came late: its rates are over the 250 ms that passed.
      { ms: 350, links: links({ seeder: [1000, 4.2 * MiB], l1: [3.6 * MiB, 2000] }) },
    ],
    ['seeder', 'l1'],
  );
  assert.equal(
    tsv,
    [
      's\tseeder down\tseeder up\tl1 down\tl1 up',
      '0.10\t0.01\t12.00\t11.00\t0.02',
      '0.35\t0.00\t12.00\t10.00\t0.00',
      '',
    ].join('\n'),
  );
});

test('a host missing from a reading counts no bytes; a reading at the same instant is skipped', () => {
  const tsv = timelineTsv(
    [
      { ms: 0, links: links({}) },
      { ms: 0, links: links({}) },
      { ms: 200, links: links({ l2: [2 * MiB, 0] }) },
    ],
    ['l2'],
  );
  assert.equal(tsv, 's\tl2 down\tl2 up\n0.20\t10.00\t0.00\n');
});

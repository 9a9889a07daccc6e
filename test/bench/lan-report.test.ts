import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MachineFloor } from '../../bench/lib/floor.ts';
import type { CrowdResult } from '../../bench/lib/lan-crowd.ts';
import {
  linkUse,
  linkUseRange,
  p2pLowerBoundSeconds,
  swarmLeecherFloorPerGiB,
} from '../../bench/lib/lan-report.ts';

const MiB = 1024 * 1024;

describe('LAN bench report', () => {
  test('link use: the file over the time from first data to exit, as a share of the link', () => {
    // 64 MiB in 26.8 s at 25 Mbit/s: 536.9 Mbit in 26.8 s is 20.03 Mbit/s, 80.1 % of the link.
    const use = linkUse({ firstDataSeconds: 2, doneSeconds: 28.8 }, 64 * MiB, 25);
    assert.equal(Math.round(use! * 1000), 801);
    assert.equal(linkUse({ firstDataSeconds: null, doneSeconds: 9 }, MiB, 25), null);
    assert.equal(linkUse({ firstDataSeconds: 9, doneSeconds: 9 }, MiB, 25), null);
  });

  test('a crowd shows its least and its median link use', () => {
    const leecher = (firstDataSeconds: number | null, doneSeconds: number) => ({
      host: 'l1',
      firstDataSeconds,
      doneSeconds,
      cpuSeconds: null,
      problem: null,
    });
    // At the bound every leecher uses its whole link: 100 %.
    const bound = p2pLowerBoundSeconds(64 * MiB, 25, 8);
    const result = {
      leechers: [leecher(0, bound), leecher(0, 2 * bound), leecher(null, 40), leecher(0, bound)],
    } as unknown as CrowdResult;
    assert.equal(linkUseRange(result, 64 * MiB, 25), '50 %/100 %');
  });

  test("a swarm leecher's floor adds the seeder floor for its share of what leechers served", () => {
    const floor = { leecherCoreSecondsPerGiB: 11, seederCoreSecondsPerGiB: 8 } as MachineFloor;
    // 8 leechers carried 7 copies up between them: 7/8 of a copy served per copy downloaded.
    const result = {
      leechers: new Array(8).fill(null),
      leechersUploadBytes: 7 * 64 * MiB,
    } as unknown as CrowdResult;
    assert.equal(swarmLeecherFloorPerGiB(result, 64 * MiB, floor), 11 + (7 / 8) * 8);
  });
});

/**
 * A demo that would not fit says so before it writes anything: what its files need and what is
 * free. A full disk said only `ENOSPC: no space left on device, write` (found by hand, TMPDIR on
 * a 50 MiB tmpfs).
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { DemoSwarm } from '../../source/demo/demo-swarm.ts';

test('samples larger than the free room are refused with what they need and what is free', async () => {
  const said: string[] = [];
  // 10 TB of samples: no test machine has that room, and nothing is written before the check.
  await assert.rejects(
    DemoSwarm.start({ sizesMiB: [10_000_000], seeders: 1, say: (text) => said.push(text) }),
    (error: Error) => {
      const pattern = new RegExp(
        `^not enough room in ${tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the sample files and their downloads need 19\\.1 TiB, [0-9.]+ [KMGT]?i?B is free \\(give a smaller --size, or TMPDIR a folder on a larger disk\\)$`,
      );
      assert.match(error.message, pattern);
      return true;
    },
  );
  assert.deepEqual(said, [], 'nothing written');
});

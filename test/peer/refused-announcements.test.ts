import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import {
  REFUSALS_SUMMED_MS,
  RefusedAnnouncements,
} from '../../source/peer/refused-announcements.ts';

const FULL = 'host 10.0.0.7 already seeds the most files allowed (10000)';
const CONFLICT = 'infohash 1aababab is already known as "a.iso" (100 B)';

test('the first refusal of a reason is said with its file, the rest of its second counted', () => {
  const clock = new ManualClock();
  const lines: string[] = [];
  const refusals = new RefusedAnnouncements((line) => lines.push(line), clock);
  refusals.refused('a.bin', FULL);
  refusals.refused('b.bin', FULL);
  refusals.refused('c.bin', CONFLICT);
  refusals.refused('d.bin', FULL);
  assert.deepEqual(lines, [
    `seeding a.bin, but the tracker refused to list it: ${FULL}`,
    `seeding c.bin, but the tracker refused to list it: ${CONFLICT}`,
  ]);
  clock.advance(REFUSALS_SUMMED_MS);
  assert.deepEqual(lines.slice(2), [
    `the tracker refused to list 2 more files for the same reason: ${FULL}`,
  ]);
  // A new second: said in full again.
  refusals.refused('e.bin', FULL);
  refusals.refused('f.bin', FULL);
  refusals.flush();
  assert.deepEqual(lines.slice(3), [
    `seeding e.bin, but the tracker refused to list it: ${FULL}`,
    `the tracker refused to list 1 more file for the same reason: ${FULL}`,
  ]);
  clock.advance(REFUSALS_SUMMED_MS);
  assert.equal(lines.length, 5, 'flushed: nothing said twice');
});

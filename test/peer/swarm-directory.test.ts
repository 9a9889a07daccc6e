/**
 * SwarmDirectory.keepFresh() on a manual clock: one quiet LIST per period, never two at once,
 * no "refreshing" flicker and no repeated notification while the tracker keeps failing, and
 * nothing after stop().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import {
  SWARM_REFRESH_INTERVAL_MS,
  SWARM_REFRESH_MS_PER_PAGE,
  SwarmDirectory,
} from '../../source/peer/swarm-directory.ts';
import type { TrackerOutcome } from '../../source/peer/tracker-client.ts';
import type { ListReplyMessage } from '../../source/protocol/messages.ts';

/** Lets pending promise callbacks run (the directory awaits its list function). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function page(names: string[]): TrackerOutcome<ListReplyMessage> {
  return {
    ok: true,
    reply: {
      type: 'list-reply',
      totalFiles: names.length,
      nextCursor: 0,
      files: names.map((name, index) => ({
        infohash: Buffer.alloc(32, index + 1),
        name,
        size: 1000,
        ownerCount: 1,
      })),
    },
  };
}

test('keepFresh lists once per period, quietly, and stops when told', async () => {
  const clock = new ManualClock();
  let answer: TrackerOutcome<ListReplyMessage> = { ok: false, reason: 'tracker unreachable' };
  let calls = 0;
  const directory = new SwarmDirectory(
    async () => {
      calls++;
      return answer;
    },
    () => clock.wallNow(),
  );
  const states: string[] = [];
  directory.subscribe(() => states.push(directory.getSnapshot().state));

  directory.keepFresh(clock);
  clock.advance(SWARM_REFRESH_INTERVAL_MS - 1);
  await settle();
  assert.equal(calls, 0, 'nothing before the first period');
  clock.advance(1);
  await settle();
  assert.equal(calls, 1);
  assert.deepEqual(states, ['error'], 'an error, without "loading" first');
  assert.equal(directory.getSnapshot().error, 'cannot list the swarm: tracker unreachable');

  clock.advance(SWARM_REFRESH_INTERVAL_MS);
  await settle();
  assert.equal(calls, 2);
  assert.deepEqual(states, ['error'], 'the same error again is not news');

  answer = page(['a.bin']);
  clock.advance(SWARM_REFRESH_INTERVAL_MS);
  await settle();
  assert.deepEqual(states, ['error', 'ready']);
  const listed = directory.getSnapshot();
  assert.deepEqual(
    listed.files.map((file) => file.name),
    ['a.bin'],
  );

  clock.advance(SWARM_REFRESH_INTERVAL_MS);
  await settle();
  assert.equal(calls, 4);
  assert.equal(directory.getSnapshot(), listed, 'nothing new: the same listing object');
  assert.deepEqual(states, ['error', 'ready']);

  directory.stop();
  clock.advance(10 * SWARM_REFRESH_INTERVAL_MS);
  await settle();
  assert.equal(calls, 4, 'no LIST after stop()');
});

test('a refresh asked while one runs shares it: one LIST, not two', async () => {
  const clock = new ManualClock();
  let calls = 0;
  let release: (() => void) | null = null;
  const directory = new SwarmDirectory(
    async () => {
      calls++;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return page(['b.bin']);
    },
    () => clock.wallNow(),
  );
  const first = directory.refresh();
  const second = directory.refresh({ quiet: true });
  await settle();
  assert.equal(calls, 1);
  release!();
  await Promise.all([first, second]);
  assert.equal(calls, 1);
  assert.equal(directory.getSnapshot().state, 'ready');
});

test('a listing of many pages is read again less often: one page per 500 ms on average', async () => {
  const clock = new ManualClock();
  const PAGES = 40;
  let calls = 0;
  const directory = new SwarmDirectory(
    async (cursor) => {
      calls++;
      const reply = page([`f${cursor}.bin`]);
      if (reply.ok) reply.reply.nextCursor = cursor + 1 < PAGES ? cursor + 1 : 0;
      return reply;
    },
    () => clock.wallNow(),
  );
  directory.keepFresh(clock);
  clock.advance(SWARM_REFRESH_INTERVAL_MS);
  for (let i = 0; i < PAGES; i++) await settle();
  assert.equal(calls, PAGES, 'the first read: every page');
  assert.equal(directory.getSnapshot().files.length, PAGES);
  // Before, the next read came 5 s later: 40 requests every 5 s from an idle view.
  clock.advance(PAGES * SWARM_REFRESH_MS_PER_PAGE - 1);
  await settle();
  assert.equal(calls, PAGES, `nothing before ${(PAGES * SWARM_REFRESH_MS_PER_PAGE) / 1000} s`);
  clock.advance(1);
  for (let i = 0; i < PAGES; i++) await settle();
  assert.equal(calls, 2 * PAGES);
  directory.stop();
});

test("a listing cut at its page limit keeps the tracker's count, which the view shows", async () => {
  const clock = new ManualClock();
  const directory = new SwarmDirectory(
    async (cursor) => {
      const reply = page([`f${String(cursor).padStart(3, '0')}.bin`]);
      if (reply.ok) {
        reply.reply.totalFiles = 5_000;
        reply.reply.nextCursor = cursor + 1;
      }
      return reply;
    },
    () => clock.wallNow(),
  );
  await directory.refresh();
  const listing = directory.getSnapshot();
  assert.equal(listing.files.length, 64, 'MAX_PAGES pages of one file each');
  assert.equal(listing.totalFiles, 5_000);
});

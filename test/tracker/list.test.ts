import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ListReplyMessage, MAX_LIST_PAGE } from '../../source/protocol/messages.ts';
import type { TrackerState } from '../../source/tracker/tracker-state.ts';
import { at, infohash, newState, own, register } from './fixtures.ts';

function list(state: TrackerState, token: Buffer, cursor: number): ListReplyMessage {
  const { reply } = state.handle({ type: 'list', token, cursor }, at(5001), 1);
  assert.equal(reply?.type, 'list-reply');
  return reply as ListReplyMessage;
}

describe('LIST', () => {
  test('pages every file by name then infohash, with owner counts', () => {
    const { state } = newState();
    const t1 = register(state, 1, 5001, 0);
    const t2 = register(state, 2, 5002, 0);
    // 70 files in scrambled order; "same" twice with two infohashes.
    for (let i = 69; i >= 0; i--) {
      const name = i < 2 ? 'same' : `file-${String(i).padStart(3, '0')}`;
      own(state, t1, 5001, 0, { infohash: infohash(200 - i), name, size: i });
    }
    own(state, t2, 5002, 0, { infohash: infohash(200), name: 'same', size: 0 });

    const pages = [list(state, t1, 0)];
    while (pages.at(-1)!.nextCursor !== 0) pages.push(list(state, t1, pages.at(-1)!.nextCursor));
    assert.deepEqual(
      pages.map((p) => [p.files.length, p.nextCursor, p.totalFiles]),
      [
        [MAX_LIST_PAGE, 32, 70],
        [MAX_LIST_PAGE, 64, 70],
        [6, 0, 70],
      ],
    );
    const names = pages.flatMap((p) => p.files.map((f) => f.name));
    assert.deepEqual(names.slice(0, 3), ['file-002', 'file-003', 'file-004']);
    assert.deepEqual(names.slice(-2), ['same', 'same']);
    const sames = pages[2]!.files.slice(-2);
    assert.deepEqual(
      sames.map((f) => [f.infohash[0], f.ownerCount]),
      [
        [199, 1],
        [200, 2],
      ],
    );
  });

  test('a cursor past the end is an empty last page', () => {
    const { state } = newState();
    const t1 = register(state, 1, 5001, 0);
    own(state, t1, 5001, 0, { infohash: infohash(1), name: 'a', size: 1 });
    assert.deepEqual(list(state, t1, 5), {
      type: 'list-reply',
      totalFiles: 1,
      nextCursor: 0,
      files: [],
    });
  });

  test('an empty swarm lists nothing', () => {
    const { state } = newState();
    const t1 = register(state, 1, 5001, 0);
    assert.deepEqual(list(state, t1, 0), {
      type: 'list-reply',
      totalFiles: 0,
      nextCursor: 0,
      files: [],
    });
  });
});

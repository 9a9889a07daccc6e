import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MAX_ERROR_TEXT_BYTES,
  MAX_FILE_SIZE_BYTES,
  type OwnMessage,
} from '../../source/protocol/messages.ts';
import { describeNameError, validateFileName } from '../../source/protocol/names.ts';
import { formatEvent } from '../../source/tracker/events.ts';
import { at, infohash, newState, own, register } from './fixtures.ts';

function ownMessage(token: Buffer, name: string, size = 100, ih = infohash(1)): OwnMessage {
  return { type: 'own', state: 'complete', token, infohash: ih, name, size };
}

const HOSTILE_NAMES = [
  '',
  '.',
  '..',
  '../../etc/passwd',
  '/etc/passwd',
  'a/b',
  'a\\b',
  'x\u0000y',
  '\u001b[2Jcleared',
  'line\nbreak',
  '.bt-tui-progress',
  'é'.repeat(128),
];

describe('OWN', () => {
  test('adds a file with its owner and logs it', () => {
    const { state } = newState();
    const token = register(state, 3, 40111, 0);
    const ih = Buffer.from(`1a2b3c4d${'00'.repeat(28)}`, 'hex');
    const result = state.handle(ownMessage(token, 'big.iso', 256 * 1024 * 1024, ih), at(40111), 1);
    assert.deepEqual(result.reply, { type: 'ack' });
    assert.equal(result.dirty, true);
    assert.deepEqual(result.events.map(formatEvent), ['owns node 3 big.iso (256.0 MiB, 1a2b3c4d)']);
    assert.deepEqual(state.toPersisted().files, [
      { infohash: ih.toString('hex'), name: 'big.iso', size: 256 * 1024 * 1024, owners: [3] },
    ]);
  });

  test('a repeated OWN is acknowledged and changes nothing', () => {
    const { state } = newState();
    const token = register(state, 3, 40111, 0);
    own(state, token, 40111, 1, { infohash: infohash(1), name: 'a', size: 100 });
    const again = state.handle(ownMessage(token, 'a'), at(40111), 2);
    assert.deepEqual(again, { reply: { type: 'ack' }, events: [], dirty: false });
  });

  for (const name of HOSTILE_NAMES) {
    test(`refuses the hostile name ${JSON.stringify(name.slice(0, 20))}`, () => {
      const { state } = newState();
      const token = register(state, 3, 40111, 0);
      const result = state.handle(ownMessage(token, name), at(40111), 1);
      const error = validateFileName(name);
      assert.ok(error, 'names.ts refuses it too');
      assert.equal(result.reply?.type === 'error' && result.reply.code, 'bad-request');
      const text = result.reply?.type === 'error' ? result.reply.text : '';
      assert.ok(Buffer.byteLength(text) <= MAX_ERROR_TEXT_BYTES, text);
      // The whole reason is there, even when the quoted name had to be shortened.
      assert.ok(text.endsWith(describeNameError('x', error).split(' refused: ')[1]!), text);
      assert.deepEqual(state.toPersisted().files, []);
      // The log line cannot carry a control character to the terminal.
      for (const line of result.events.map(formatEvent)) {
        assert.ok(![...line].some((c) => c < ' ' || c === '\u007f'), line);
      }
    });
  }

  test('refuses a size above 1 TiB', () => {
    const { state } = newState();
    const token = register(state, 3, 40111, 0);
    const { reply } = state.handle(
      ownMessage(token, 'huge', MAX_FILE_SIZE_BYTES + 1),
      at(40111),
      1,
    );
    assert.equal(reply?.type === 'error' && reply.code, 'bad-request');
    own(state, token, 40111, 1, { infohash: infohash(1), name: 'max', size: MAX_FILE_SIZE_BYTES });
  });

  test('an infohash known with another name or size is a conflict', () => {
    const { state } = newState();
    const t3 = register(state, 3, 40111, 0);
    const t4 = register(state, 4, 40444, 0);
    own(state, t3, 40111, 1, { infohash: infohash(0x1a), name: 'a.iso', size: 100 });
    const before = state.toPersisted();
    const otherName = state.handle(ownMessage(t4, 'b.iso', 100, infohash(0x1a)), at(40444), 2);
    assert.deepEqual(otherName.reply, {
      type: 'error',
      code: 'conflict',
      text: 'infohash 1aababab is already known as "a.iso" (100 B)',
    });
    const otherSize = state.handle(ownMessage(t4, 'a.iso', 101, infohash(0x1a)), at(40444), 2);
    assert.equal(otherSize.reply?.type === 'error' && otherSize.reply.code, 'conflict');
    assert.deepEqual(state.toPersisted(), before);
  });

  test('two contents with one name are two files', () => {
    const { state } = newState();
    const token = register(state, 3, 40111, 0);
    own(state, token, 40111, 1, { infohash: infohash(1), name: 'same', size: 1 });
    own(state, token, 40111, 1, { infohash: infohash(2), name: 'same', size: 2 });
    assert.equal(state.toPersisted().files.length, 2);
  });

  test('refuses files beyond maxFiles and maxFilesPerNode with "full"', () => {
    const { state } = newState({ maxFiles: 3, maxFilesPerNode: 2 });
    const t1 = register(state, 1, 5001, 0);
    const t2 = register(state, 2, 5002, 0);
    own(state, t1, 5001, 1, { infohash: infohash(1), name: 'a', size: 1 });
    own(state, t1, 5001, 1, { infohash: infohash(2), name: 'b', size: 1 });
    const perNode = state.handle(ownMessage(t1, 'c', 1, infohash(3)), at(5001), 1);
    assert.deepEqual(perNode.reply, {
      type: 'error',
      code: 'full',
      text: 'node 1 already seeds the most files allowed (2)',
    });
    own(state, t2, 5002, 1, { infohash: infohash(3), name: 'c', size: 1 });
    const files = state.handle(ownMessage(t2, 'd', 1, infohash(4)), at(5002), 1);
    assert.deepEqual(files.reply, {
      type: 'error',
      code: 'full',
      text: 'tracker is full (3 files)',
    });
    // Joining a known file needs no new file slot.
    own(state, t2, 5002, 1, { infohash: infohash(1), name: 'a', size: 1 });
  });
});

describe('OWN-MANY', () => {
  const entry = (name: string, fill: number, size = 100) => ({
    state: 'complete' as const,
    infohash: infohash(fill),
    name,
    size,
  });

  test('applies every entry in order and names only the refused ones, by index', () => {
    const { state } = newState({ maxFilesPerNode: 2 });
    const t3 = register(state, 3, 40111, 0);
    const t4 = register(state, 4, 40444, 0);
    own(state, t4, 40444, 1, { infohash: infohash(9), name: 'known.iso', size: 100 });
    const result = state.handle(
      {
        type: 'own-many',
        token: t3,
        entries: [
          entry('a.bin', 1),
          entry('../escape', 2),
          entry('other-name.iso', 9),
          entry('b.bin', 3),
          { ...entry('a.bin', 1), state: 'withdrawn' },
          entry('c.bin', 4),
          entry('d.bin', 5),
        ],
      },
      at(40111),
      2,
    );
    const reply = result.reply?.type === 'own-many-reply' ? result.reply : null;
    assert.deepEqual(
      reply?.refused.map(({ index, code }) => [index, code]),
      [
        [1, 'bad-request'],
        [2, 'conflict'],
        [6, 'full'],
      ],
    );
    assert.deepEqual(
      reply?.refused.slice(1).map(({ text }) => text),
      [
        'infohash 09ababab is already known as "known.iso" (100 B)',
        'node 3 already seeds the most files allowed (2)',
      ],
    );
    assert.match(reply?.refused[0]?.text ?? '', /\.\.\/escape/);
    assert.equal(result.dirty, true);
    // a.bin owned, then withdrawn within the same datagram: the order of the entries holds.
    const files = state.toPersisted().files.map((file) => [file.name, file.owners]);
    assert.deepEqual(files.sort(), [
      ['b.bin', [3]],
      ['c.bin', [3]],
      ['known.iso', [4]],
    ]);
    assert.deepEqual(result.events.filter((event) => event.kind !== 'refused').map(formatEvent), [
      'owns node 3 a.bin (100 B, 01ababab)',
      'owns node 3 b.bin (100 B, 03ababab)',
      'withdrew node 3 a.bin (no owner left: the file is gone)',
      'owns node 3 c.bin (100 B, 04ababab)',
    ]);
  });

  test('is one request of its host budget, whatever its entries', () => {
    const { state } = newState({ requestsPerHostPerSecond: 1, requestBurstPerHost: 3 });
    const token = register(state, 3, 40111, 0);
    const sixteen = Array.from({ length: 16 }, (_, i) => entry(`f${i}.bin`, i + 1));
    const first = state.handle({ type: 'own-many', token, entries: sixteen }, at(40111), 0);
    assert.deepEqual(first.reply, { type: 'own-many-reply', refused: [] });
    assert.equal(state.toPersisted().files.length, 16);
    const again = state.handle({ type: 'own-many', token, entries: sixteen }, at(40111), 0);
    assert.deepEqual(again, {
      reply: { type: 'own-many-reply', refused: [] },
      events: [],
      dirty: false,
    });
    const third = state.handle({ type: 'own-many', token, entries: sixteen }, at(40111), 0);
    assert.equal(third.reply, null, 'over the burst of 3 (its registration took one): dropped');
    assert.deepEqual(
      third.events.map((event) => event.kind),
      ['throttled'],
    );
  });

  test('an unknown session is asked to register, and nothing is applied', () => {
    const { state } = newState();
    register(state, 3, 40111, 0);
    const forged = Buffer.alloc(8, 0xee);
    const result = state.handle(
      { type: 'own-many', token: forged, entries: [entry('a', 1)] },
      at(40111),
      1,
    );
    assert.equal(result.reply?.type === 'error' && result.reply.code, 'reregister');
    assert.deepEqual(state.toPersisted().files, []);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  OWN_DATAGRAMS_IN_FLIGHT,
  OwnBatcher,
  type OwnSender,
} from '../../source/peer/own-batcher.ts';
import type { TrackerOutcome } from '../../source/peer/tracker-client.ts';
import type { OwnEntry } from '../../source/protocol/messages.ts';

function entry(i: number, name = `f${i}.bin`, state: OwnEntry['state'] = 'complete'): OwnEntry {
  return { infohash: Buffer.alloc(32, i), state, size: i, name };
}

/** A sender whose datagrams are answered when the test says so. */
class HeldSender implements OwnSender {
  readonly sent: { kind: 'one' | 'many'; names: string[]; answer(outcome: unknown): void }[] = [];
  one(own: OwnEntry): Promise<TrackerOutcome<null>> {
    return new Promise((answer) => this.sent.push({ kind: 'one', names: [own.name], answer }));
  }
  many(entries: OwnEntry[]): Promise<TrackerOutcome<{ index: number; text: string }[]>> {
    return new Promise((answer) =>
      this.sent.push({ kind: 'many', names: entries.map((own) => own.name), answer }),
    );
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('OwnBatcher', () => {
  test('one file alone goes as a plain OWN', async () => {
    const sender = new HeldSender();
    const batcher = new OwnBatcher(sender);
    const outcome = batcher.own(entry(1));
    await turn();
    assert.deepEqual(
      sender.sent.map(({ kind, names }) => [kind, names]),
      [['one', ['f1.bin']]],
    );
    sender.sent[0]!.answer({ ok: true, reply: null });
    assert.deepEqual(await outcome, { ok: true, reply: null });
  });

  test('files announced in one turn go sixteen to a datagram, four datagrams at once, the rest after', async () => {
    const sender = new HeldSender();
    const batcher = new OwnBatcher(sender);
    const outcomes = Array.from({ length: 100 }, (_, i) => batcher.own(entry(i)));
    await turn();
    assert.equal(sender.sent.length, OWN_DATAGRAMS_IN_FLIGHT);
    assert.deepEqual(
      sender.sent.map(({ kind, names }) => [kind, names.length, names[0]]),
      [
        ['many', 16, 'f0.bin'],
        ['many', 16, 'f16.bin'],
        ['many', 16, 'f32.bin'],
        ['many', 16, 'f48.bin'],
      ],
    );
    // The second refuses its third entry; the first is answered later than the second.
    sender.sent[1]!.answer({ ok: true, reply: [{ index: 2, text: 'no' }] });
    await turn();
    assert.equal(sender.sent.length, 5, 'an answer lets the next datagram go');
    assert.deepEqual(sender.sent[4]!.names.slice(0, 1), ['f64.bin']);
    sender.sent[0]!.answer({ ok: false, reason: 'tracker unreachable' });
    for (let i = 2; ; i++) {
      await turn();
      const next = sender.sent[i];
      if (next === undefined) break;
      next.answer({ ok: true, reply: [] });
    }
    const settled = await Promise.all(outcomes);
    assert.deepEqual(settled[0], { ok: false, reason: 'tracker unreachable' });
    assert.deepEqual(settled[18], { ok: false, reason: 'no', refused: true });
    assert.equal(settled.filter((outcome) => outcome.ok).length, 100 - 16 - 1);
    const names = sender.sent.flatMap((datagram) => datagram.names);
    assert.deepEqual(
      names,
      Array.from({ length: 100 }, (_, i) => `f${i}.bin`),
    );
  });

  test('a file on its way is not announced again until it is answered: its order holds', async () => {
    const sender = new HeldSender();
    const batcher = new OwnBatcher(sender);
    const first = batcher.own(entry(1));
    await turn();
    const withdrawn = batcher.own(entry(1, 'f1.bin', 'withdrawn'));
    const other = batcher.own(entry(2));
    await turn();
    assert.deepEqual(
      sender.sent.map(({ kind, names }) => [kind, names]),
      [
        ['one', ['f1.bin']],
        ['one', ['f2.bin']],
      ],
    );
    sender.sent[0]!.answer({ ok: true, reply: null });
    await first;
    await turn();
    assert.deepEqual(sender.sent[2]?.names, ['f1.bin'], 'the withdrawal, after the announcement');
    sender.sent[1]!.answer({ ok: true, reply: null });
    sender.sent[2]!.answer({ ok: true, reply: null });
    assert.deepEqual(await Promise.all([withdrawn, other]), [
      { ok: true, reply: null },
      { ok: true, reply: null },
    ]);
  });

  test('a sender that throws settles its files with the error, and the next datagram goes', async () => {
    const sent: string[][] = [];
    const batcher = new OwnBatcher({
      one: async (own) => {
        sent.push([own.name]);
        return { ok: true, reply: null };
      },
      many: async (entries) => {
        sent.push(entries.map((own) => own.name));
        throw new Error('a bug');
      },
    });
    const first = [batcher.own(entry(1)), batcher.own(entry(2))];
    assert.deepEqual(await Promise.all(first), [
      { ok: false, reason: 'a bug' },
      { ok: false, reason: 'a bug' },
    ]);
    assert.deepEqual(await batcher.own(entry(3)), { ok: true, reply: null });
    assert.deepEqual(sent, [['f1.bin', 'f2.bin'], ['f3.bin']]);
  });

  test('long names make smaller datagrams, and a 255-byte name still goes', async () => {
    const sender = new HeldSender();
    const batcher = new OwnBatcher(sender);
    const long = (i: number) => entry(i, `${'n'.repeat(250)}${i}.bin`.slice(0, 255));
    const outcomes = Array.from({ length: 9 }, (_, i) => batcher.own(long(i)));
    await turn();
    // 42 + 255 bytes each: four fit 1,200 bytes of entries.
    assert.deepEqual(
      sender.sent.map(({ names }) => names.length),
      [4, 4, 1],
    );
    for (const datagram of sender.sent)
      datagram.answer({ ok: true, reply: datagram.kind === 'one' ? null : [] });
    assert.equal((await Promise.all(outcomes)).filter((outcome) => outcome.ok).length, 9);
  });
});

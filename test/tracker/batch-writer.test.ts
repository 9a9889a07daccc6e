/**
 * The batch writer's promise to a reply that waits (afterPendingWritten): nothing pending, at
 * once; pending, after the write that takes it, started at once rather than after the batch
 * delay; changes that come during a write go together in the next one (group commit).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { BatchWriter } from '../../source/tracker/store/batch-writer.ts';

/** A writer whose writes end when the test says; `written` lists each write's changes. */
function harness() {
  let pending: string[] = [];
  const written: string[][] = [];
  const ends: (() => void)[] = [];
  const writer = new BatchWriter({
    clock: new ManualClock(),
    delayMs: 50,
    location: 'test',
    hasPending: () => pending.length > 0,
    write: () => {
      written.push(pending);
      pending = [];
      return new Promise<void>((resolve) => ends.push(resolve));
    },
  });
  const record = (change: string) => pending.push(change);
  const endWrite = async () => {
    ends.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { writer, record, written, endWrite };
}

test('nothing pending or under way: resolved at once', async () => {
  const { writer, written } = harness();
  await writer.afterPendingWritten();
  assert.deepEqual(written, []);
});

test('a waited-for change is written at once, not after the batch delay, and resolves when written', async () => {
  const { writer, record, written, endWrite } = harness();
  record('own a');
  let done = false;
  const waiting = writer.afterPendingWritten().then(() => {
    done = true;
  });
  assert.deepEqual(written, [['own a']], 'the write started without the clock moving');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, false, 'resolved before the write ended');
  await endWrite();
  await waiting;
  assert.equal(done, true);
});

test('changes during a write go together in the next one, which starts when it ends', async () => {
  const { writer, record, written, endWrite } = harness();
  record('own a');
  const first = writer.afterPendingWritten();
  record('update b');
  record('own c');
  let secondDone = false;
  const second = writer.afterPendingWritten().then(() => {
    secondDone = true;
  });
  // A second wait for the same pending changes shares that next write.
  const retransmission = writer.afterPendingWritten();
  await endWrite();
  await first;
  assert.deepEqual(written, [['own a'], ['update b', 'own c']]);
  assert.equal(secondDone, false);
  await endWrite();
  await Promise.all([second, retransmission]);
  assert.equal(written.length, 2);
});

test('a wait with nothing new pending resolves with the write under way', async () => {
  const { writer, record, written, endWrite } = harness();
  record('update a');
  void writer.afterPendingWritten();
  let done = false;
  const retransmission = writer.afterPendingWritten().then(() => {
    done = true;
  });
  assert.equal(done, false);
  await endWrite();
  await retransmission;
  assert.deepEqual(written, [['update a']]);
});

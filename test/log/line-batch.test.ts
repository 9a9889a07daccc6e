import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineBatch } from '../../source/log/line-batch.ts';

test('lines pushed close together are one write, after the delay', async () => {
  const writes: string[] = [];
  const batch = new LineBatch((text) => writes.push(text), 20);
  batch.push('a');
  batch.push('b');
  assert.deepEqual(writes, []);
  await sleep(60);
  assert.deepEqual(writes, ['a\nb\n']);
  batch.push('c');
  await sleep(60);
  assert.deepEqual(writes, ['a\nb\n', 'c\n']);
});

test('flush writes what is pending at once, and nothing when nothing is', async () => {
  const writes: string[] = [];
  const batch = new LineBatch((text) => writes.push(text), 10_000);
  batch.flush();
  batch.push('x');
  batch.flush();
  assert.deepEqual(writes, ['x\n']);
  await sleep(10);
  assert.deepEqual(writes, ['x\n']);
});

test('a pending line is written when the process exits', () => {
  const writes: string[] = [];
  const batch = new LineBatch((text) => writes.push(text), 10_000);
  const before = process.listenerCount('exit');
  batch.push('last words');
  assert.equal(process.listenerCount('exit'), before + 1);
  process.emit('exit', 0);
  assert.deepEqual(writes, ['last words\n']);
  assert.equal(process.listenerCount('exit'), before);
});

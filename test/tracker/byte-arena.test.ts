import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteArena } from '../../source/tracker/byte-arena.ts';

test('a copy equals its source and does not change with it', () => {
  const arena = new ByteArena();
  const source = Buffer.from('0123456789abcdef0123456789abcdef');
  const copy = arena.copy(source);
  source.fill(0);
  assert.equal(copy.toString(), '0123456789abcdef0123456789abcdef');
});

test('copies share a chunk of the arena, never Node pool memory, and never overlap', () => {
  const arena = new ByteArena();
  const a = arena.copy(Buffer.alloc(32, 1));
  const b = arena.copy(Buffer.alloc(5, 2));
  const c = arena.copy(Buffer.alloc(32, 3));
  assert.equal(a.buffer, b.buffer);
  assert.equal(a.buffer.byteLength, 4096, 'a chunk of the arena, not the 8 KiB pool');
  assert.notEqual(a.buffer, Buffer.from('x').buffer);
  assert.equal(b.byteOffset, 32);
  assert.equal(c.byteOffset, 40, 'slices start on 8-byte boundaries');
  assert.deepEqual([...new Set(a)], [1]);
  assert.deepEqual([...new Set(b)], [2]);
  assert.deepEqual([...new Set(c)], [3]);
});

test('a full chunk is followed by a new one; a large value gets memory of its own', () => {
  const arena = new ByteArena();
  const first = arena.copy(Buffer.alloc(32));
  for (let i = 0; i < 127; i++) arena.copy(Buffer.alloc(32));
  const next = arena.copy(Buffer.alloc(32, 9));
  assert.notEqual(next.buffer, first.buffer);
  assert.equal(next.byteOffset, 0);
  const large = arena.copy(Buffer.alloc(1000, 7));
  assert.equal(large.buffer.byteLength, 1000);
  assert.equal(arena.copyHex('00ff10').toString('hex'), '00ff10');
});

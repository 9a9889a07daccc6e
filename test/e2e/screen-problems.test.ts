import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastingScreenProblems } from './harness.ts';

const whole = ['┌──┬──┐', '│ a│ b│', '├──┼──┤', '└──┴──┘'].join('\n');
const torn = ['┌──┬──┐', '│ a│ b│', '├──┼'].join('\n');

test('a frame caught half-drawn once is not a layout problem; one that stays is', () => {
  assert.deepEqual(lastingScreenProblems([whole, torn, whole], 20), []);
  assert.deepEqual(lastingScreenProblems([whole, torn, torn, whole], 20), [
    'capture 1: line 2 is a broken table line: ├──┼',
  ]);
  assert.deepEqual(lastingScreenProblems([whole, torn], 20), [
    'capture 1: line 2 is a broken table line: ├──┼',
  ]);
  assert.deepEqual(lastingScreenProblems([whole, `${whole}\n${'x'.repeat(21)}`], 20), [
    `capture 1: line 4 is 21 wide: ${'x'.repeat(21)}`,
  ]);
});

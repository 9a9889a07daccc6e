import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import chalk from 'chalk';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { InputLine } from '../../source/ui/components/InputLine.tsx';
import { textWidth } from '../../source/ui/text.ts';

const INVERSE_ON = '\u001B[7m';
const INVERSE_OFF = '\u001B[27m';

/** The line as drawn, the cursor's cell marked with [ ]. */
function drawn(value: string, fromEnd: number, columns: number, hint = ''): string {
  const saved = chalk.level;
  chalk.level = 1;
  try {
    const view = render(createElement(InputLine, { label: ':', value, fromEnd, hint, columns }));
    const frame = view.lastFrame() ?? '';
    view.unmount();
    return stripVTControlCharacters(frame.replace(INVERSE_ON, '[').replace(INVERSE_OFF, ']'));
  } finally {
    chalk.level = saved;
  }
}

test('the cursor is drawn on the character it is before, or past the end', () => {
  assert.equal(drawn('get big.iso', 0, 40), ':get big.iso[ ]');
  assert.equal(drawn('get big.iso', 4, 40), ':get big[.]iso');
  assert.equal(drawn('get big.iso', 11, 40, '  hint'), ':[g]et big.iso  hint');
});

test('a line too long is cut around the cursor, which stays in sight', () => {
  const value = `get ${'a'.repeat(60)}MID${'b'.repeat(60)}.iso`;
  const fromEnd = value.length - value.indexOf('MID') - 1;
  const line = drawn(value, fromEnd, 40);
  assert.match(line, /^:…a+M\[I\]Db+…$/);
  assert.ok(textWidth(line.replace(/[[\]]/g, '')) <= 39, line);
  // At the end, the end of what is typed shows, as before.
  assert.match(drawn(value, 0, 40), /^:…b+\.iso\[ \]$/);
  // At the start, the start, the line filled.
  const start = drawn(value, value.length, 40);
  assert.match(start, /^:\[g\]et a+…$/);
  assert.equal(textWidth(start.replace(/[[\]]/g, '')), 39, start);
});

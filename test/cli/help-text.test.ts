import assert from 'node:assert/strict';
import { test } from 'node:test';
import { helpText } from '../../source/cli/flags.ts';

test('--help lists every flag with its text starting in one column', () => {
  const flagLines = helpText.split('\n').filter((line) => /^ {4}--/.test(line));
  assert.ok(flagLines.length > 20, helpText);
  // `--download-limit <value>` was one column too wide and pushed its text out of line.
  const columns = new Set(
    flagLines.map((line) => /^ {4}--\S+(?: <value>)? +/.exec(line)![0].length),
  );
  assert.deepEqual([...columns], [29], flagLines.join('\n'));
});

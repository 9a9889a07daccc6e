import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { Box } from 'ink';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { PaneTitle } from '../../source/ui/components/PaneTitle.tsx';
import { textWidth } from '../../source/ui/text.ts';

test('a focused title with CJK in it is one row of the pane width, in cells', () => {
  // Found by a session: `/日本` in Swarm files wrapped its title and pushed the table down.
  const title = createElement(PaneTitle, {
    title: 'Swarm files (1) · filter "日本"',
    focused: true,
    width: 40,
  });
  // In a pane of its width, as the view lays it out.
  const view = render(createElement(Box, { width: 40, flexDirection: 'column' }, title));
  const rows = stripVTControlCharacters(view.lastFrame() ?? '').split('\n');
  view.unmount();
  assert.equal(rows.length, 1, rows.join('\n'));
  assert.ok(textWidth(rows[0]!) <= 40, rows[0]);
});

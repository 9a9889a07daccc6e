import { Text } from 'ink';
import { HelpLine } from '../components/HelpLine.tsx';
import { textWidth, truncate, truncateStart } from '../text.ts';
import { confirmationPrompt } from './download-keys.ts';
import { footerKeys } from './peer-help.ts';
import type { PeerViewState } from './peer-view-state.ts';

/** Below this many cells for the typed value, the input line leaves out its hint. */
const MIN_VALUE_CELLS = 20;

/** What the one-line input is for, as its prompt says. */
const INPUT_LABEL = {
  command: ':',
  filter: 'filter swarm: ',
  'download-name': 'download file named: ',
};

/** The last line: a confirmation, the line being typed, or the keys of the focused pane. */
export function BottomLine({
  view,
  columns,
  canSwitchView,
}: {
  view: PeerViewState;
  columns: number;
  canSwitchView: boolean;
}) {
  const { confirm, input } = view;
  if (confirm) {
    const { question, answers } = confirmationPrompt(confirm);
    return (
      <Text>
        <Text bold color="yellow">
          {truncate(question, Math.max(0, columns - answers.length - 2))}
        </Text>
        {`  ${answers}`}
      </Text>
    );
  }
  if (input) {
    const label = INPUT_LABEL[input.purpose];
    const hint =
      input.purpose === 'command' ? '  Tab completes, Enter runs, Esc cancels' : '  Enter, Esc';
    // One line always: the label, the end of what is typed (where the cursor is), the cursor,
    // and the hint while there is room for it beside MIN_VALUE_CELLS of the value.
    const room = columns - 1 - textWidth(label) - 1;
    const shownHint = room - textWidth(hint) >= MIN_VALUE_CELLS ? hint : '';
    return (
      <Text>
        <Text bold>{label}</Text>
        {truncateStart(input.value, Math.max(0, room - textWidth(shownHint)))}
        <Text inverse> </Text>
        <Text dimColor>{shownHint}</Text>
      </Text>
    );
  }
  return <HelpLine keys={footerKeys(view.focus, columns, canSwitchView)} width={columns} />;
}

import { Text } from 'ink';
import { HelpLine } from '../components/HelpLine.tsx';
import { InputLine } from '../components/InputLine.tsx';
import { truncate } from '../text.ts';
import { confirmationPrompt } from './download-keys.ts';
import { footerKeys } from './peer-help.ts';
import type { PeerViewState } from './peer-view-state.ts';

/** What Enter and Esc do on each line, as the tracker view's filter line says too. */
const INPUT_HINT = {
  command: '  Tab completes, Enter runs, Esc cancels',
  filter: '  Enter keeps, Esc clears',
  'download-name': '  Enter downloads, Esc cancels',
};

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
    const hint = INPUT_HINT[input.purpose];
    return (
      <InputLine
        label={INPUT_LABEL[input.purpose]}
        value={input.value}
        fromEnd={input.fromEnd ?? 0}
        hint={hint}
        columns={columns}
      />
    );
  }
  return <HelpLine keys={footerKeys(view.focus, columns, canSwitchView)} width={columns} />;
}

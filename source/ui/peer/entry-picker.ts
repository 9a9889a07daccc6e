/**
 * The choice among several files of one name, from the keyboard. A download by name that meets
 * several files (anyone can announce a name) fails with the candidates; Enter on it in Downloads
 * opens this picker, ↑ ↓ move, Enter downloads the selected file by its whole infohash
 * (`NAME@<64 hex digits>`), Esc closes. Pure: state and key in, state and effects out.
 */
import type { Key } from 'ink';
import type { EntryChoice } from '../../peer/download/entry-choice.ts';
import type { PeerKeyOutcome, PeerViewState } from './peer-view-state.ts';

/** The open picker: which name, its candidates as the download listed them, the selected one. */
export interface EntryPickerState {
  name: string;
  choices: readonly EntryChoice[];
  selected: number;
}

/** The picker for a download that met several files of its name, or null if it met one. */
export function openPicker(name: string, choices: readonly EntryChoice[]): EntryPickerState | null {
  return choices.length === 0 ? null : { name, choices, selected: 0 };
}

/** One key while the picker is open. */
export function pickerKey(
  state: PeerViewState,
  picker: EntryPickerState,
  text: string,
  key: Key,
): PeerKeyOutcome {
  const last = picker.choices.length - 1;
  const move = (selected: number): PeerKeyOutcome => ({
    state: { ...state, picker: { ...picker, selected: Math.max(0, Math.min(last, selected)) } },
    effects: [],
  });
  if (key.escape || text === 'q') return { state: { ...state, picker: null }, effects: [] };
  if (key.upArrow || text === 'k') return move(picker.selected - 1);
  if (key.downArrow || text === 'j') return move(picker.selected + 1);
  if (key.home || text === 'g') return move(0);
  if (key.end || text === 'G') return move(last);
  if (key.return || text === 'd') {
    const choice = picker.choices[picker.selected]!;
    return {
      state: { ...state, picker: null, follow: picker.name },
      effects: [
        { kind: 'download', name: picker.name, target: `${picker.name}@${choice.infohashHex}` },
      ],
    };
  }
  return { state, effects: [] };
}

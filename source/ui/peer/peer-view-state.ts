import type { Key } from 'ink';
import { parseDownloadTarget } from '../../peer/download/download-target.ts';
import { shownName } from '../../protocol/names.ts';
import { applyScroll, pastedLine, type ScrollAction, scrollActionFor, splitKeys } from '../keys.ts';
import { stepInput } from '../line-edit.ts';
import { completeCommand, completionChoices, parseCommand } from './command-line.ts';
import { type Confirmation, confirmKey, type DownloadRow, downloadKey } from './download-keys.ts';
import { type EntryPickerState, openPicker, pickerKey } from './entry-picker.ts';

export type PeerPane = 'files' | 'swarm' | 'downloads' | 'log';
export const PEER_PANES: PeerPane[] = ['files', 'swarm', 'downloads', 'log'];
type ListPane = 'files' | 'swarm' | 'downloads';

/** What the one-line input (":" command, "/" filter, "D" name) is for. */
export type InputPurpose = 'command' | 'filter' | 'download-name';

export interface TextInput {
  purpose: InputPurpose;
  value: string;
  /** Where the cursor is, in UTF-16 units before the end (see line-edit.ts); absent: the end. */
  fromEnd?: number;
}

/** What the peer view remembers between frames. `logBack` counts lines back from the newest. */
export interface PeerViewState {
  focus: PeerPane;
  helpOpen: boolean;
  input: TextInput | null;
  filter: string;
  selected: Record<ListPane, number>;
  /**
   * The row each list's selection was put on, by what it is (rowKey): the selection stays on it
   * while rows come and go above it. By position alone, a file announced above the selected one
   * moved the selection, and `d` downloaded another file, a look-alike a stranger named so among
   * them (found by a session). `selected` is kept for where the row has gone.
   */
  anchors?: Partial<Record<ListPane, string>>;
  logBack: number;
  /** A destructive action asking y/n on the bottom line. */
  confirm: Confirmation | null;
  /** A download just started: the Downloads selection moves to it once the engine lists it. */
  follow: string | null;
  /** The choice among several files of one name, when open. */
  picker: EntryPickerState | null;
}

export const initialPeerViewState: PeerViewState = {
  focus: 'swarm',
  helpOpen: false,
  input: null,
  filter: '',
  selected: { files: 0, swarm: 0, downloads: 0 },
  logBack: 0,
  confirm: null,
  follow: null,
  picker: null,
};

/** What the keys act on, as the view shows it now. */
export interface PeerKeyContext {
  /** `unsupported`: why the entry cannot be shared (a folder, a symlink...), else absent. */
  /** `hashing`: being hashed to be seeded (`s` stops it, as it stops a seed). */
  localFiles: readonly {
    name: string;
    seeding: boolean;
    hashing?: boolean;
    unsupported?: string;
  }[];
  /** Every file the swarm lists (the filter is applied here). */
  swarmNames: readonly string[];
  /** The infohash of each of swarmNames, in the same order (picks one of several of a name). */
  swarmInfohashes?: readonly string[];
  downloads: readonly DownloadRow[];
  listRows: number;
  logLines: number;
  logTotal: number;
  canSwitchView: boolean;
}

/** What a key asks of the engine or the host; PeerApp carries them out. */
export type PeerEffect =
  | { kind: 'exit' }
  | { kind: 'switch-view' }
  | { kind: 'seed'; name: string }
  | { kind: 'unseed'; name: string }
  | { kind: 'seed-all' }
  /**
   * `target`: what to ask for when it is not the name alone (NAME@PREFIX). `picked`: chosen in
   * Swarm files, where the focus stays so that the next file can be picked (see download()).
   * `again`: a failed or cancelled download started again with `p` in Downloads.
   */
  | { kind: 'download'; name: string; target?: string; picked?: boolean; again?: boolean }
  | { kind: 'cancel'; name: string }
  | { kind: 'toggle-pause'; name: string }
  | { kind: 'remove'; name: string; deletePartFile: boolean }
  | { kind: 'refresh-swarm' }
  | { kind: 'ask-again' }
  | { kind: 'limit'; direction: 'up' | 'down'; bytesPerSec: number }
  | { kind: 'notice'; pane: PeerPane; text: string; error: boolean };

export interface PeerKeyOutcome {
  state: PeerViewState;
  effects: PeerEffect[];
}

/**
 * The swarm files the list shows under the current filter (case-insensitive substring). A
 * filter with `@` is matched against NAME@INFOHASH, the form rows of a shared name show (as
 * NAME@PREFIX): `/v@1a` found nothing (found by a session).
 */
export function filteredSwarm<T extends { name: string; infohashHex: string }>(
  files: readonly T[],
  filter: string,
): T[] {
  const needle = filter.toLowerCase();
  const withInfohash = needle.includes('@');
  return files.filter((file) =>
    (withInfohash && file.infohashHex ? `${file.name}@${file.infohashHex}` : file.name)
      .toLowerCase()
      .includes(needle),
  );
}

/** Swarm files as the context knows them: names, and infohashes where it has them. */
function swarmFilesOf(context: PeerKeyContext): { name: string; infohashHex: string }[] {
  return context.swarmNames.map((name, index) => ({
    name,
    infohashHex: context.swarmInfohashes?.[index] ?? '',
  }));
}

/** What a row of a list is, for the selection to stay on it: a Swarm file by its infohash too. */
export function rowKey(row: { name: string; infohashHex?: string }): string {
  return row.infohashHex ? `${row.name}@${row.infohashHex}` : row.name;
}

/**
 * The selected index of a list whose rows are `keys` (see rowKey): the row the selection was put
 * on, where it still is; else the position, kept inside the list as it is now.
 */
export function selectedIndex(
  state: PeerViewState,
  pane: ListPane,
  keys: readonly string[],
): number {
  const anchor = state.anchors?.[pane];
  const at = anchor === undefined ? -1 : keys.indexOf(anchor);
  return at >= 0 ? at : Math.min(state.selected[pane], Math.max(0, keys.length - 1));
}

/** The selection of `pane` put on row `index` of `keys`. */
function select(
  state: PeerViewState,
  pane: ListPane,
  index: number,
  keys: readonly string[],
): PeerViewState {
  const anchors = { ...state.anchors };
  const key = keys[index];
  if (key === undefined) delete anchors[pane];
  else anchors[pane] = key;
  return { ...state, selected: { ...state.selected, [pane]: index }, anchors };
}

/** The selected download: the one just started once it is listed, else the selected row. */
export function selectedDownload(state: PeerViewState, names: readonly string[]): number {
  const followed = state.follow === null ? -1 : names.indexOf(state.follow);
  return followed >= 0 ? followed : selectedIndex(state, 'downloads', names);
}

/** `Tab: 3 choices: mine-a.bin · mine-b.bin · mine-c.bin` (the notice line cuts what is over). */
function choicesText(choices: readonly string[]): string {
  return `Tab: ${choices.length} choices: ${choices.join(' · ')}`;
}

/**
 * The filter cleared, the selection kept on the row it showed under it: it went back to the row
 * picked before the filter was typed (found by a session).
 */
function unfiltered(state: PeerViewState, context: PeerKeyContext): PeerViewState {
  const shown = listKeys(state, context).swarm;
  const key = shown[selectedIndex(state, 'swarm', shown)];
  const cleared = { ...state, filter: '' };
  if (key === undefined) return cleared;
  const all = listKeys(cleared, context).swarm;
  return select(cleared, 'swarm', Math.max(0, all.indexOf(key)), all);
}

/** The selection lands on a followed download once it is listed; then it moves freely. */
function settleFollow(state: PeerViewState, context: PeerKeyContext): PeerViewState {
  if (state.follow === null) return state;
  const names = context.downloads.map((row) => row.name);
  const index = names.indexOf(state.follow);
  if (index < 0) return state;
  return select({ ...state, follow: null }, 'downloads', index, names);
}

/** The rows of each list as the keys act on them, by rowKey. */
function listKeys(state: PeerViewState, context: PeerKeyContext): Record<ListPane, string[]> {
  return {
    files: context.localFiles.map((file) => file.name),
    swarm: filteredSwarm(swarmFilesOf(context), state.filter).map(rowKey),
    downloads: context.downloads.map((row) => row.name),
  };
}

function seedOrUnseed(name: string, context: PeerKeyContext): PeerEffect {
  const file = context.localFiles.find((each) => each.name === name);
  if (file?.unsupported)
    return {
      kind: 'notice',
      pane: 'files',
      text: `${shownName(name)} cannot be shared: ${file.unsupported}`,
      error: true,
    };
  return file?.seeding || file?.hashing ? { kind: 'unseed', name } : { kind: 'seed', name };
}

/**
 * The Downloads selection follows the new download once the engine lists it. A name typed (`D`,
 * `:get`) takes the focus to Downloads once the engine accepted it (its row may need a choice of
 * file); one picked in Swarm files leaves the focus there, so that `d`, `j`, `d` downloads two
 * files: before, the focus went to Downloads, `j` moved there, and the second `d` only took the
 * focus back (found by hand). The host forgets the follow if the engine refused.
 */
function download(state: PeerViewState, text: string, picked = false): PeerKeyOutcome {
  const parsed = parseDownloadTarget(text);
  const extra = picked ? { picked } : {};
  if (!parsed.ok || parsed.target.infohashPrefix === null)
    return {
      state: { ...state, follow: text },
      effects: [{ kind: 'download', name: text, ...extra }],
    };
  const { name } = parsed.target;
  return {
    state: { ...state, follow: name },
    effects: [{ kind: 'download', name, target: text, ...extra }],
  };
}

/** The selected Swarm files row as a download: its file, by its whole infohash where known. */
function swarmRowTarget(state: PeerViewState, context: PeerKeyContext): string | null {
  const rows = filteredSwarm(swarmFilesOf(context), state.filter);
  const row = rows[selectedIndex(state, 'swarm', rows.map(rowKey))];
  if (!row) return null;
  // The row's own file, by its infohash where the listing gives it: by name alone, `d` took
  // another file of the name (a kept part file of an older one resumed it, with no owner left),
  // and on `v@1a2b` asked for a file named `v` (both found by hand).
  return row.infohashHex ? `${row.name}@${row.infohashHex}` : row.name;
}

function runCommand(state: PeerViewState, line: string, context: PeerKeyContext): PeerKeyOutcome {
  const local = context.localFiles.map((file) => file.name);
  const command = parseCommand(line, { local, swarm: context.swarmNames });
  if (command.kind === 'exit') return { state, effects: [{ kind: 'exit' }] };
  if (command.kind === 'help') return { state: { ...state, helpOpen: true }, effects: [] };
  if (command.kind === 'seed') return { state, effects: [seedOrUnseed(command.name, context)] };
  if (command.kind === 'download') return download(state, command.name);
  if (command.kind === 'limit') return { state, effects: [command] };
  return {
    state,
    effects: [{ kind: 'notice', pane: 'downloads', text: command.message, error: true }],
  };
}

/** A chunk of typed text while the `:`, `/` or `D` line is open. */
function typed(
  state: PeerViewState,
  input: TextInput,
  text: string,
  key: Key,
  context: PeerKeyContext,
): PeerKeyOutcome {
  const step = stepInput(input.value, text, key, input.fromEnd);
  switch (step.kind) {
    case 'cancel':
      // Esc on the filter line clears the filter too.
      return {
        state:
          input.purpose === 'filter'
            ? unfiltered({ ...state, input: null }, context)
            : { ...state, input: null },
        effects: [],
      };
    case 'complete': {
      if (input.purpose !== 'command') return { state, effects: [] };
      const local = context.localFiles.map((file) => file.name);
      // What is completed is the line up to the cursor; the rest stays after it.
      const fromEnd = input.fromEnd ?? 0;
      const before = input.value.slice(0, input.value.length - fromEnd);
      const after = input.value.slice(input.value.length - fromEnd);
      const completed = completeCommand(before, local, [...context.swarmNames]);
      const value = completed + after;
      // Where Tab cannot go further, the choices are listed as a notice.
      const choices =
        completed === before ? completionChoices(before, local, [...context.swarmNames]) : [];
      const effects: PeerEffect[] =
        choices.length === 0
          ? []
          : [
              {
                kind: 'notice',
                pane: /^(seed|torrent -setMode send) /.test(before) ? 'files' : 'downloads',
                text: choicesText(choices),
                error: false,
              },
            ];
      return { state: { ...state, input: { ...input, value } }, effects };
    }
    case 'edit': {
      const filter = input.purpose === 'filter' ? step.value : state.filter;
      const edited = { ...input, value: step.value, fromEnd: step.fromEnd };
      return { state: { ...state, filter, input: edited }, effects: [] };
    }
    case 'submit': {
      const closed = { ...state, input: null };
      if (input.purpose === 'command') return runCommand(closed, step.value, context);
      // As typed where the swarm has that name (it may begin or end with blanks), else trimmed.
      const name = context.swarmNames.includes(step.value) ? step.value : step.value.trim();
      if (input.purpose === 'download-name' && name) return download(closed, name);
      return { state: closed, effects: [] };
    }
  }
}

/** The pane whose action a letter is, or null for letters of every pane or of none. */
function paneOfKey(text: string): PeerPane | null {
  if (text === 's') return 'files';
  if (text === 'd') return 'swarm';
  if (text === 'p' || text === 'c' || text === 'R') return 'downloads';
  return null;
}

/**
 * A pane's letter pressed in another pane moves the focus to it, rather than doing nothing: the
 * first key a newcomer tries is often `s` while the view opens on Swarm files. Nothing else
 * happens (the selection there may not be what was meant); the pane says what its keys do now.
 * Swarm files has no notice line: its keys are on the bottom line once it has the focus.
 */
const FOCUS_MOVED_NOTICE: Partial<Record<PeerPane, string>> = {
  files: 's seeds the file selected here',
  downloads: 'p pauses or retries, c cancels, R removes the download selected here',
};

/** Up in the log goes back in time: its offset counts from the newest line. */
function forLog(action: ScrollAction): ScrollAction {
  if (action.kind === 'by') return { kind: 'by', lines: -action.lines };
  return { kind: action.kind === 'top' ? 'bottom' : 'top' };
}

/** One key, outside the input line. */
function pressed(
  state: PeerViewState,
  text: string,
  key: Key,
  context: PeerKeyContext,
): PeerKeyOutcome {
  const none = (next: PeerViewState = state): PeerKeyOutcome => ({ state: next, effects: [] });
  if (state.helpOpen)
    return none(text === '?' || key.escape || text === 'q' ? { ...state, helpOpen: false } : state);
  if (text === 'q' || text === 'x') return { state, effects: [{ kind: 'exit' }] };
  if (text === 't' && context.canSwitchView) return { state, effects: [{ kind: 'switch-view' }] };
  if (text === '?') return none({ ...state, helpOpen: true });
  // Esc clears a filter kept with Enter too, as the help says: it took `/` and Esc (found by a
  // session in the tracker view, which reads the same).
  if (key.escape && state.filter !== '') return none(unfiltered(state, context));
  if (text === ':') return none({ ...state, input: { purpose: 'command', value: '' } });
  if (text === 'D') return none({ ...state, input: { purpose: 'download-name', value: '' } });
  if (key.tab) {
    const step = key.shift ? PEER_PANES.length - 1 : 1;
    return none({
      ...state,
      focus: PEER_PANES[(PEER_PANES.indexOf(state.focus) + step) % PEER_PANES.length]!,
    });
  }
  if (text === 'a') return { state, effects: [{ kind: 'seed-all' }] };
  // What a person means by "ask the tracker": the listing, and owners for what waits for some.
  if (text === 'r') return { state, effects: [{ kind: 'refresh-swarm' }, { kind: 'ask-again' }] };
  // The filter is for Swarm files, wherever it is typed from.
  if (text === '/') {
    return {
      state: { ...state, focus: 'swarm', input: { purpose: 'filter', value: state.filter } },
      effects: [{ kind: 'refresh-swarm' }],
    };
  }
  const keys = listKeys(state, context);
  if (state.focus === 'files' && (text === 's' || key.return)) {
    const file = context.localFiles[selectedIndex(state, 'files', keys.files)];
    return file ? { state, effects: [seedOrUnseed(file.name, context)] } : none();
  }
  if (state.focus === 'swarm' && (text === 'd' || key.return)) {
    const target = swarmRowTarget(state, context);
    return target ? download(state, target, true) : none();
  }
  if (state.focus === 'downloads' && key.return) {
    const row = context.downloads[selectedIndex(state, 'downloads', keys.downloads)];
    const picker = row ? openPicker(row.name, row.choices ?? []) : null;
    return none(picker ? { ...state, picker } : state);
  }
  if (state.focus === 'downloads' && (text === 'c' || text === 'p' || text === 'R')) {
    const row = context.downloads[selectedIndex(state, 'downloads', keys.downloads)];
    return row ? (downloadKey(state, text, row) ?? none()) : none();
  }
  const elsewhere = paneOfKey(text);
  if (elsewhere !== null && elsewhere !== state.focus) {
    const notice = FOCUS_MOVED_NOTICE[elsewhere];
    return {
      state: { ...state, focus: elsewhere },
      effects: notice ? [{ kind: 'notice', pane: elsewhere, text: notice, error: false }] : [],
    };
  }
  const page = state.focus === 'log' ? context.logLines : context.listRows;
  const action = scrollActionFor(text, key, page);
  if (action === null) return none();
  if (state.focus === 'log') {
    return none({
      ...state,
      logBack: applyScroll(state.logBack, forLog(action), context.logTotal, page),
    });
  }
  const pane = state.focus;
  const rows = keys[pane];
  const moved = applyScroll(selectedIndex(state, pane, rows), action, rows.length, 1);
  const follow = pane === 'downloads' ? null : state.follow;
  return none(select({ ...state, follow }, pane, moved, rows));
}

/** One key: to the open confirmation, the open input line, or the view. */
function oneKey(
  state: PeerViewState,
  text: string,
  key: Key,
  context: PeerKeyContext,
): PeerKeyOutcome {
  if (key.ctrl && text === 'c') return { state, effects: [{ kind: 'exit' }] };
  if (state.confirm !== null) return confirmKey(state, state.confirm, text, key);
  if (state.picker !== null) return pickerKey(state, state.picker, text, key);
  if (state.input !== null) return typed(state, state.input, text, key, context);
  return pressed(state, text, key, context);
}

/**
 * A paste (told from keys by PasteReader): its first line is typed into the text line open, or
 * with none open into `D`'s (download by name), as a torrent client opens its "add" dialog on a
 * pasted link. Never run as keys and never entered: Enter is the person's. Ignored while a
 * question, the picker or help is open, where a letter would answer.
 */
export function reducePeerPaste(
  state: PeerViewState,
  text: string,
  key: Key,
  context: PeerKeyContext,
): PeerKeyOutcome {
  const line = pastedLine(text);
  if (line === '' || state.confirm !== null || state.picker !== null || state.helpOpen)
    return { state, effects: [] };
  let current: PeerViewState =
    state.input !== null ? state : { ...state, input: { purpose: 'download-name', value: '' } };
  const effects: PeerEffect[] = [];
  for (const char of line) {
    const outcome = typed(current, current.input!, char, key, context);
    current = outcome.state;
    effects.push(...outcome.effects);
  }
  return { state: current, effects };
}

/**
 * Everything one read of the keyboard does to the peer view: the new state and what to ask of
 * the engine. Pure, so a burst of keys (a paste, `tmux send-keys 'name' Enter`) is applied key
 * by key on fresh state, Enter included, and tests can drive it without a terminal.
 */
export function reducePeerKeys(
  state: PeerViewState,
  text: string,
  key: Key,
  context: PeerKeyContext,
): PeerKeyOutcome {
  let current = settleFollow(state, context);
  const effects: PeerEffect[] = [];
  for (const press of splitKeys(text, key)) {
    const outcome = oneKey(current, press.input, press.key, context);
    current = outcome.state;
    effects.push(...outcome.effects);
  }
  return { state: current, effects };
}

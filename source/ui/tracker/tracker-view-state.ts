import type { Key } from 'ink';
import { applyScroll, clampScroll, type ScrollAction, scrollActionFor } from '../keys.ts';
import { stepInput } from '../line-edit.ts';
import { NODE_SORTS, type NodeSort } from './tracker-rows.ts';

export type PaneName = 'nodes' | 'files' | 'log';
export const PANES: PaneName[] = ['nodes', 'files', 'log'];

type PerPane = Record<PaneName, number>;

/** What the tracker view remembers between frames. The log offset counts lines back from the tail. */
export interface TrackerViewState {
  focus: PaneName;
  sort: NodeSort;
  helpOpen: boolean;
  offsets: PerPane;
  /** What the tables are filtered by (`/`; see nodesShown and filesShown); '' for none. */
  filter: string;
  /** The filter line is open: keys are typed into the filter, not acted on. */
  typingFilter: boolean;
  /** Where the filter line's cursor is, in UTF-16 units before its end (see line-edit.ts). */
  filterFromEnd?: number;
}

export const initialTrackerViewState: TrackerViewState = {
  focus: 'nodes',
  sort: 'id',
  helpOpen: false,
  offsets: { nodes: 0, files: 0, log: 0 },
  filter: '',
  typingFilter: false,
};

/** One key press, with the sizes it is interpreted against. */
export interface TrackerKeyEvent {
  input: string;
  key: Key;
  totals: PerPane;
  visible: PerPane;
}

/** New log lines arrived while the log was scrolled back: stay on the same lines. */
export interface LogGrewEvent {
  logGrewBy: number;
}

/** Up in the log goes back in time: its offset counts from the newest line. */
function forLog(action: ScrollAction): ScrollAction {
  if (action.kind === 'by') return { kind: 'by', lines: -action.lines };
  return { kind: action.kind === 'top' ? 'bottom' : 'top' };
}

/**
 * A key while the filter line is open, as in the peer view's: typing filters at once (both
 * tables back at their first row), Enter keeps the filter, Esc clears it.
 */
function typedFilter(state: TrackerViewState, input: string, key: Key): TrackerViewState {
  const step = stepInput(state.filter, input, key, state.filterFromEnd);
  switch (step.kind) {
    case 'cancel':
      return {
        ...state,
        typingFilter: false,
        filter: '',
        filterFromEnd: 0,
        offsets: firstRows(state.offsets),
      };
    case 'submit':
      return { ...state, typingFilter: false, filterFromEnd: 0 };
    case 'complete':
      return state;
    case 'edit':
      if (step.value === state.filter) {
        if (step.fromEnd === (state.filterFromEnd ?? 0)) return state;
        return { ...state, filterFromEnd: step.fromEnd };
      }
      return {
        ...state,
        filter: step.value,
        filterFromEnd: step.fromEnd,
        offsets: firstRows(state.offsets),
      };
  }
}

const firstRows = (offsets: PerPane): PerPane => ({ ...offsets, nodes: 0, files: 0 });

/**
 * The tracker view's keys as a pure state transition (quitting is the caller's side effect).
 * While help is open only ? and Esc act, so nothing changes out of sight; while the filter is
 * typed every key but Ctrl+C is text.
 */
export function reduceTrackerView(
  state: TrackerViewState,
  event: TrackerKeyEvent | LogGrewEvent,
): TrackerViewState {
  if ('logGrewBy' in event) {
    return { ...state, offsets: { ...state.offsets, log: state.offsets.log + event.logGrewBy } };
  }
  const { input, key, totals, visible } = event;
  if (state.helpOpen) return input === '?' || key.escape ? { ...state, helpOpen: false } : state;
  if (state.typingFilter) return typedFilter(state, input, key);
  if (input === '?') return { ...state, helpOpen: true };
  if (input === '/') return { ...state, typingFilter: true, filterFromEnd: 0 };
  // Esc clears a filter kept with Enter too, as the help says: it took `/` and Esc (found by a
  // session).
  if (key.escape && state.filter !== '') {
    return { ...state, filter: '', filterFromEnd: 0, offsets: firstRows(state.offsets) };
  }
  if (key.tab) {
    const step = key.shift ? PANES.length - 1 : 1;
    return { ...state, focus: PANES[(PANES.indexOf(state.focus) + step) % PANES.length]! };
  }
  if (input === 's') {
    return {
      ...state,
      sort: NODE_SORTS[(NODE_SORTS.indexOf(state.sort) + 1) % NODE_SORTS.length]!,
    };
  }
  const pane = state.focus;
  const action = scrollActionFor(input, key, visible[pane]);
  if (action === null) return state;
  const current = clampScroll(state.offsets[pane], totals[pane], visible[pane]);
  const next = applyScroll(
    current,
    pane === 'log' ? forLog(action) : action,
    totals[pane],
    visible[pane],
  );
  return { ...state, offsets: { ...state.offsets, [pane]: next } };
}

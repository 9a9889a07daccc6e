/**
 * Snapshots, stores and a rendering harness for the tracker view's component tests: plain data
 * in, the frame a person would see out (ANSI stripped unless a test asks for the styles).
 */
import assert from 'node:assert/strict';
import { afterEach } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import type { LogLine } from '../../source/log/logger.ts';
import type {
  FileRow,
  NodeRow,
  TrackerSnapshot,
  TrackerSnapshotHeader,
} from '../../source/tracker/snapshot.ts';
import type { Store } from '../../source/ui/hooks/use-store.ts';
import type { TerminalSize } from '../../source/ui/hooks/use-terminal-size.ts';
import { TrackerApp } from '../../source/ui/tracker/TrackerApp.tsx';

/** 2026-01-02T03:04:05Z: every `joined` and log time in these tests is derived from it. */
export const BASE_WALL_MS = Date.UTC(2026, 0, 2, 3, 4, 5);

/** Key sequences as a terminal sends them. */
export const KEY = {
  tab: '\t',
  up: '\u001B[A',
  down: '\u001B[B',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  home: '\u001B[H',
  end: '\u001B[F',
  escape: '\u001B',
  enter: '\r',
  backspace: '\u007F',
  left: '\u001B[D',
  right: '\u001B[C',
} as const;

/** A store whose snapshot never changes. */
export function fixedStore<T>(value: T): Store<T> {
  return { getSnapshot: () => value, subscribe: () => () => {} };
}

/** A store a test can change, the way an engine signals a new snapshot. */
export class MutableStore<T> implements Store<T> {
  private readonly listeners = new Set<() => void>();

  constructor(private value: T) {}

  getSnapshot = (): T => this.value;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Replaces the snapshot and tells every subscriber. */
  set(value: T): void {
    this.value = value;
    for (const listener of this.listeners) listener();
  }
}

/** A node row; `nodeId` picks a distinct port and join time unless overridden. */
export function nodeRow(nodeId: number, overrides: Partial<NodeRow> = {}): NodeRow {
  return {
    nodeId,
    address: `127.0.0.1:${40_000 + nodeId}`,
    status: 'alive',
    lastHeardAgoMs: 1_000,
    filesSeeded: 1,
    uploadCredit: 0,
    downloaders: 0,
    joinedAtWallMs: BASE_WALL_MS + nodeId * 1_000,
    tracker: '',
    ...overrides,
  };
}

/** A file row with a 64-digit infohash starting with `hexPrefix`. */
export function fileRow(
  name: string,
  hexPrefix: string,
  owners: FileRow['owners'],
  sizeBytes = 1_048_576,
): FileRow {
  return {
    infohashHex: hexPrefix.padEnd(64, '0'),
    name,
    sizeBytes,
    owners,
    completeOwners: owners.filter((owner) => owner.complete).length,
    partialOwners: owners.filter((owner) => !owner.complete).length,
    lastOwner: owners.filter((owner) => owner.complete).length === 1,
  };
}

/** A snapshot with header counts derived from its rows. */
export function trackerSnapshot(
  nodes: readonly NodeRow[],
  files: readonly FileRow[] = [],
  header: Partial<TrackerSnapshotHeader> = {},
): TrackerSnapshot {
  return {
    header: {
      listeningAddress: '127.0.0.1:6881',
      addressForNodes: '127.0.0.1:6881',
      uptimeMs: 65_000,
      requestsPerSecond: 3,
      decodeErrors: 0,
      nodesAlive: nodes.filter((node) => node.status === 'alive').length,
      nodesLate: nodes.filter((node) => node.status === 'late').length,
      nodesRestored: nodes.filter((node) => node.status === 'restored').length,
      files: files.length,
      ...header,
    },
    nodes,
    files,
  };
}

/** `count` log lines `line 1` .. `line <count>`, one second apart. */
export function logLines(count: number): LogLine[] {
  return Array.from({ length: count }, (_, index) => ({
    seq: index,
    wallMs: BASE_WALL_MS + index * 1_000,
    text: `line ${index + 1}`,
  }));
}

/** Waits `ms` milliseconds. */
export function tick(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How long to wait for a redraw that may not come (a key that changes nothing). */
const QUIET_MS = 200;
/** Deadline for a redraw that must come: only stops a broken test from hanging. */
const EVENTUALLY_MS = 5_000;

/**
 * Retries `check` (an assertion) until it passes; after the deadline rethrows its last error.
 * Renders are asynchronous and slow on a loaded machine, so tests wait for what they expect
 * instead of sleeping a fixed time.
 */
export async function eventually(check: () => void, timeoutMs = EVENTUALLY_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await tick(10);
    }
  }
}

/** A rendered tracker view with helpers to read frames and type keys. */
export interface RenderedTracker {
  /** The last frame, ANSI stripped. */
  frame(): string;
  /** The last frame's lines, ANSI stripped. */
  lines(): string[];
  /** The last frame with its ANSI styles. */
  rawFrame(): string;
  /** Every frame written so far, ANSI stripped. */
  frames(): string[];
  /**
   * Types each key as its own read and waits for the redraw it causes, so the next key meets
   * the updated view (and its input handler). Fails if no redraw comes.
   */
  press(...keys: string[]): Promise<void>;
  /** Types keys that should change nothing on screen; waits a short quiet period after each. */
  tap(...keys: string[]): Promise<void>;
  /** `count` lines of the last frame from the one starting with `first` (asserted to exist). */
  linesFrom(first: string, count: number): string[];
  /** The title line of a pane, `▶ Nodes ...` or `  Nodes ...`, trailing padding cut. */
  title(pane: string): string;
  /** The node ids shown in the nodes table, top to bottom. */
  nodeIds(): number[];
  /** How many times the view asked to quit. */
  quitCalls(): number;
  unmount(): void;
}

type RenderOptions = {
  tracker: Store<TrackerSnapshot>;
  log?: Store<readonly LogLine[]>;
  size: TerminalSize;
  /** As in the demo, where `t` switches to the peer view. */
  onSwitchView?: () => void;
};

/** `renderTracker` for a test file whose views are all unmounted after each test. */
export function renderEachTest(): (options: RenderOptions) => Promise<RenderedTracker> {
  const views: RenderedTracker[] = [];
  afterEach(() => {
    for (const view of views.splice(0)) view.unmount();
  });
  return async (options) => {
    const view = await renderTracker(options);
    views.push(view);
    return view;
  };
}

/** Renders TrackerApp at a fixed terminal size over the given stores; resolves on the first frame. */
export async function renderTracker(options: RenderOptions): Promise<RenderedTracker> {
  let quits = 0;
  const app = render(
    createElement(TrackerApp, {
      tracker: options.tracker,
      log: options.log ?? fixedStore<readonly LogLine[]>([]),
      onQuit: () => {
        quits++;
      },
      size: options.size,
      ...(options.onSwitchView ? { onSwitchView: options.onSwitchView } : {}),
    }),
  );
  /** Whether a frame after the first `seen` was written within `waitMs`. */
  const nextFrame = async (seen: number, waitMs: number): Promise<boolean> => {
    const deadline = performance.now() + waitMs;
    while (app.frames.length <= seen && performance.now() < deadline) await tick(2);
    // The redraw is committed; let React run the effects that re-bind the input handler.
    await new Promise((resolve) => setImmediate(resolve));
    return app.frames.length > seen;
  };
  if (!(await nextFrame(0, EVENTUALLY_MS))) throw new Error('the view drew no first frame');
  const frame = () => stripVTControlCharacters(app.lastFrame() ?? '');
  const lines = () => frame().split('\n');
  const linesFrom = (first: string, count: number) => {
    const start = lines().findIndex((line) => line.startsWith(first));
    assert.notEqual(start, -1, `no line starts with "${first}" in:\n${frame()}`);
    return lines().slice(start, start + count);
  };
  return {
    frame,
    lines,
    linesFrom,
    title: (pane) => {
      const line = lines().find((each) => each.slice(2).startsWith(pane));
      assert.ok(line, `no "${pane}" title in:\n${frame()}`);
      return line.trimEnd();
    },
    nodeIds: () => {
      const table = linesFrom('│ node', 1_000);
      const end = table.findIndex((line) => line.startsWith('└'));
      return table.slice(2, end).map((line) => Number(line.split('│')[1]));
    },
    rawFrame: () => app.lastFrame() ?? '',
    frames: () => app.frames.map((each) => stripVTControlCharacters(each)),
    press: async (...keys) => {
      for (const key of keys) {
        const seen = app.frames.length;
        app.stdin.write(key);
        if (!(await nextFrame(seen, EVENTUALLY_MS)))
          throw new Error(`no redraw after key ${JSON.stringify(key)}; last frame:\n${frame()}`);
      }
    },
    tap: async (...keys) => {
      for (const key of keys) {
        app.stdin.write(key);
        await tick(QUIET_MS);
      }
    },
    quitCalls: () => quits,
    unmount: () => app.unmount(),
  };
}

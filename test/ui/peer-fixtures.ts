/**
 * Snapshots, a recording fake of the engine's intents and a rendering harness for the peer view's
 * component tests: plain data in, the frame a person would see out (ANSI stripped).
 */
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { createElement } from 'react';
import type { Clock } from '../../source/clock.ts';
import type { LogLine } from '../../source/log/logger.ts';
import type {
  DownloadSnapshot,
  LocalFileSnapshot,
  LocalFileState,
  OwnerSnapshot,
  PeerSnapshot,
} from '../../source/peer/peer-snapshot.ts';
import type { SwarmFile, SwarmListing } from '../../source/peer/swarm-directory.ts';
import type { Store } from '../../source/ui/hooks/use-store.ts';
import type { TerminalSize } from '../../source/ui/hooks/use-terminal-size.ts';
import { PeerApp, type PeerIntents } from '../../source/ui/peer/PeerApp.tsx';
import { textWidth } from '../../source/ui/text.ts';
import { BASE_WALL_MS, fixedStore, tick } from './fixtures.ts';

export const MIB = 1024 * 1024;

/** A file of the node's folder. */
export function localFile(
  name: string,
  sizeBytes: number,
  state: LocalFileState = { kind: 'not-shared' },
): LocalFileSnapshot {
  return { name, sizeBytes, state };
}

/** An owner of a download; `nodeId` picks a distinct port. */
export function owner(nodeId: number, overrides: Partial<OwnerSnapshot> = {}): OwnerSnapshot {
  return {
    nodeId,
    address: `127.0.0.1:${50_000 + nodeId}`,
    state: 'active',
    reason: '',
    piecesDelivered: 0,
    ranges: [],
    bytesDelivered: 0,
    rateBytesPerSec: 0,
    windowBlocks: 8,
    strikes: 0,
    complete: true,
    piecesHave: null,
    ...overrides,
  };
}

/**
 * A download; `sources` is the per-piece source array as numbers (owner index, -1 missing,
 * -2 in flight). Verified pieces and bytes are derived from it unless overridden.
 */
export function download(
  name: string,
  sources: number[],
  overrides: Partial<DownloadSnapshot> = {},
): DownloadSnapshot {
  const sizeBytes = overrides.sizeBytes ?? sources.length * MIB;
  // Owner indexes and -3 (verified in an earlier session) are verified pieces.
  const verified = sources.filter((source) => source >= 0 || source === -3).length;
  return {
    name,
    infohashHex: 'ab'.repeat(32),
    state: 'downloading',
    reason: '',
    sizeBytes,
    piecesVerified: verified,
    pieceCount: sources.length,
    bytesVerified: sources.length === 0 ? 0 : Math.round((sizeBytes * verified) / sources.length),
    bytesHeld: sources.length === 0 ? 0 : Math.round((sizeBytes * verified) / sources.length),
    rateBytesPerSec: 0,
    etaSec: null,
    stalledSec: 0,
    owners: [],
    pieceSources: Int16Array.from(sources),
    retransmittedBlocks: 0,
    choices: [],
    heldByPerson: false,
    partialOwner: false,
    ...overrides,
  };
}

/** A peer snapshot of node 3, registered, with nothing moving unless overridden. */
export function peerSnapshot(overrides: Partial<PeerSnapshot> = {}): PeerSnapshot {
  return {
    nodeId: 3,
    address: '127.0.0.1:7003',
    tracker: {
      address: '127.0.0.1:6881',
      status: 'registered',
      sinceWallMs: BASE_WALL_MS,
      error: '',
    },
    uploadRateBytesPerSec: 0,
    downloadRateBytesPerSec: 0,
    bytesUploaded: 0,
    limits: { uploadBytesPerSec: 0, downloadBytesPerSec: 0, downlinkPacedBytesPerSec: 0 },
    creditsWaiting: 0,
    uploads: [],
    files: [],
    downloads: [],
    ...overrides,
  };
}

/** A swarm file with a 64-digit infohash made of `hexDigit`. */
export function swarmFile(
  name: string,
  sizeBytes: number,
  ownerCount: number,
  hexDigit = 'c',
): SwarmFile {
  return { name, sizeBytes, ownerCount, infohashHex: hexDigit.repeat(64) };
}

/** A listing as the tracker's LIST left it. */
export function swarmListing(
  files: SwarmFile[],
  overrides: Partial<SwarmListing> = {},
): SwarmListing {
  return {
    files,
    totalFiles: files.length,
    state: 'ready',
    error: '',
    refreshedAtWallMs: BASE_WALL_MS,
    ...overrides,
  };
}

/** Log lines with the given texts, one second apart from BASE_WALL_MS. */
export function logOf(...texts: string[]): LogLine[] {
  return texts.map((text, index) => ({ seq: index, wallMs: BASE_WALL_MS + index * 1_000, text }));
}

/** One call the view made to the engine: the intent's name and its arguments, if any. */
export type IntentCall =
  | [string]
  | [string, string]
  | [string, string, boolean]
  | [string, string, number];

/** What a fake engine answers to each intent (all succeed unless set). */
export interface IntentOutcomes {
  seed?: { ok: boolean; reason?: string };
  unseed?: { ok: boolean; reason?: string };
  seedAll?: Array<{ ok: boolean; reason?: string }>;
  download?: { ok: boolean; reason?: string };
  removeDownload?: { ok: boolean; reason?: string };
}

/** A fake engine that records every intent in order and answers with `outcomes`. */
export class RecordingIntents implements PeerIntents {
  readonly calls: IntentCall[] = [];

  constructor(private readonly outcomes: IntentOutcomes = {}) {}

  async seed(name: string) {
    this.calls.push(['seed', name]);
    return this.outcomes.seed ?? { ok: true };
  }
  async unseed(name: string) {
    this.calls.push(['unseed', name]);
    return this.outcomes.unseed ?? { ok: true };
  }
  async seedAll() {
    this.calls.push(['seedAll']);
    return this.outcomes.seedAll ?? [{ ok: true }];
  }
  download(name: string) {
    this.calls.push(['download', name]);
    return this.outcomes.download ?? { ok: true };
  }
  async cancel(name: string) {
    this.calls.push(['cancel', name]);
  }
  togglePause(name: string) {
    this.calls.push(['togglePause', name]);
  }
  async removeDownload(name: string, deletePartFile: boolean) {
    this.calls.push(['removeDownload', name, deletePartFile]);
    return this.outcomes.removeDownload ?? { ok: true };
  }
  async refreshSwarm() {
    this.calls.push(['refreshSwarm']);
  }
  askAgainForOwners() {
    this.calls.push(['askAgainForOwners']);
  }
  setLimit(direction: 'up' | 'down', bytesPerSec: number) {
    this.calls.push(['setLimit', direction, bytesPerSec]);
  }
  exit() {
    this.calls.push(['exit']);
  }

  /** The calls other than refreshSwarm and askAgainForOwners (`/` and `r` make them). */
  actions(): IntentCall[] {
    return this.calls.filter(([name]) => name !== 'refreshSwarm' && name !== 'askAgainForOwners');
  }
}

/** A rendered view with helpers to read frames and type keys. */
export interface RenderedView {
  /** The last frame, ANSI stripped. */
  frame(): string;
  /** The last frame's lines, ANSI stripped, trailing spaces removed. */
  lines(): string[];
  /** The last frame with its ANSI styles. */
  rawFrame(): string;
  /** Every frame written so far, ANSI stripped. */
  frames(): string[];
  /** Types each key as its own read and waits for the redraw it causes; fails if none comes. */
  press(...keys: string[]): Promise<void>;
  /** Types keys that may change nothing on screen; waits a short quiet period after each. */
  tap(...keys: string[]): Promise<void>;
  /** Gives the test terminal (100 columns, no rows) this size and says it was resized. */
  resize(columns: number, rows: number): Promise<void>;
  unmount(): void;
}

/** How long to wait for a redraw that may not come. */
const QUIET_MS = 150;
/** Deadline for a redraw that must come: only stops a broken test from hanging. */
const EVENTUALLY_MS = 5_000;

/** Renders `element` and resolves on its first frame. */
export async function renderView(element: ReactElement): Promise<RenderedView> {
  const app = render(element);
  const nextFrame = async (seen: number, waitMs: number): Promise<boolean> => {
    const deadline = performance.now() + waitMs;
    while (app.frames.length <= seen && performance.now() < deadline) await tick(2);
    // The redraw is committed; let React run the effects that re-bind the input handler.
    await new Promise((resolve) => setImmediate(resolve));
    return app.frames.length > seen;
  };
  if (!(await nextFrame(0, EVENTUALLY_MS))) throw new Error('the view drew no first frame');
  const frame = () => stripVTControlCharacters(app.lastFrame() ?? '');
  return {
    frame,
    lines: () =>
      frame()
        .split('\n')
        .map((line) => line.trimEnd()),
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
    resize: async (columns, rows) => {
      const seen = app.frames.length;
      Object.defineProperty(app.stdout, 'columns', { value: columns, configurable: true });
      Object.defineProperty(app.stdout, 'rows', { value: rows, configurable: true });
      app.stdout.emit('resize');
      if (!(await nextFrame(seen, EVENTUALLY_MS)))
        throw new Error(`no redraw after a resize to ${columns}x${rows}`);
      // Ink redraws at once; the view's own size hook re-renders it a moment later.
      await tick(QUIET_MS);
    },
    unmount: () => app.unmount(),
  };
}

/** Renders PeerApp at a fixed size over the given data (fixed stores unless stores are given). */
export async function renderPeer(options: {
  peer: PeerSnapshot | Store<PeerSnapshot>;
  swarm?: SwarmListing | Store<SwarmListing>;
  log?: readonly LogLine[];
  intents?: PeerIntents;
  size: TerminalSize;
  clock?: Clock;
  onSwitchView?: () => void;
  exitsWhenDone?: boolean;
}): Promise<RenderedView> {
  const asStore = <T>(value: T | Store<T>): Store<T> =>
    typeof value === 'object' && value !== null && 'getSnapshot' in value
      ? (value as Store<T>)
      : fixedStore(value as T);
  return renderView(
    createElement(PeerApp, {
      peer: asStore(options.peer),
      swarm: asStore(options.swarm ?? swarmListing([])),
      log: fixedStore<readonly LogLine[]>(options.log ?? []),
      intents: options.intents ?? new RecordingIntents(),
      size: options.size,
      clock: options.clock,
      onSwitchView: options.onSwitchView,
      exitsWhenDone: options.exitsWhenDone,
    }),
  );
}

/** Lines of the frame wider than `columns` terminal cells, with their index. */
export function linesWiderThan(lines: readonly string[], columns: number): string[] {
  return lines.flatMap((line, index) =>
    textWidth(line) > columns ? [`line ${index}: ${line}`] : [],
  );
}

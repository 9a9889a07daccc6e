/**
 * The tracker process around the state machine: one UDP endpoint, the sweep timer, the store
 * (changes out, other trackers' changes in), the log and the snapshot store the UI subscribes to.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { type Clock, notRunningMs, systemClock, type TimerHandle } from '../clock.ts';
import { defaults, heartbeatIntervalForSweep } from '../config.ts';
import { formatSeconds } from '../format.ts';
import type { Logger } from '../log/logger.ts';
import { UdpEndpoint } from '../net/endpoint.ts';
import { machineAddresses } from '../net/machine-addresses.ts';
import { readProcText } from '../net/proc-text.ts';
import type { EndpointStats } from '../net/stats.ts';
import {
  type DatagramTransport,
  type OpenError,
  openUdpTransport,
  type RemoteAddress,
} from '../net/transport.ts';
import { isLoopbackAddress } from '../net/unicast-address.ts';
import type { Message, TrackerReply, TrackerRequest } from '../protocol/messages.ts';
import { ChangeNotifier } from './change-notifier.ts';
import {
  formatAddress,
  formatEvent,
  isRefusal,
  reachNote,
  refusalKind,
  type TrackerEvent,
  undecodableKind,
} from './events.ts';
import { hostKeyOf } from './host-key.ts';
import { NoiseWindow } from './noise-window.ts';
import { OtherVersionAnswer } from './other-version.ts';
import { replyDatagram } from './reply-clip.ts';
import { RequestRate } from './request-rate.ts';
import { SearchRepeats } from './search-repeats.ts';
import type { TrackerSnapshot } from './snapshot.ts';
import { openTrackerStore } from './store/open-store.ts';
import type { StoreError, TrackerStore } from './store/tracker-store.ts';
import { type RandomBytes, TrackerState, type TrackerStateOptions } from './tracker-state.ts';

/** How startTracker is configured; the world (clock, socket wrapper, randomness) is injectable. */
export interface TrackerServerOptions {
  host: string;
  port: number;
  /** The embedded store's folder (used when `storeUrl` is absent). */
  dbDir: string;
  /** A shared store, e.g. redis://127.0.0.1:6379; absent: the embedded store in `dbDir`. */
  storeUrl?: string;
  logger: Logger;
  sweepIntervalMs: number;
  clock?: Clock;
  /** Wraps the socket, e.g. in a fault-injecting transport for tests. */
  transportWrapper?: (transport: DatagramTransport) => DatagramTransport;
  /** Registry and index bounds (defaults: DEFAULT_TRACKER_LIMITS). */
  limits?: Omit<TrackerStateOptions, 'sweepIntervalMs'>;
  randomBytes?: RandomBytes;
  dbFlushDelayMs?: number;
}

/** Counters of a running tracker. */
export interface TrackerServerStats {
  requests: number;
  repliesSent: number;
  /** Error replies shortened to stay within the size of an unvalidated request. */
  repliesClipped: number;
  /** Replies not sent because even a clipped one would be larger than the request. */
  repliesWithheld: number;
  /** Well-formed datagrams that are not tracker requests (peer messages, stray replies). */
  ignoredMessages: number;
  decodeErrors: number;
  rejectedRequests: number;
  /** Requests that hit a bug (logged with its stack); the tracker kept serving. */
  internalErrors: number;
  dbWrites: number;
  endpoint: EndpointStats;
}

/** A running tracker. */
export interface TrackerServer {
  readonly address: RemoteAddress;
  /** The current immutable snapshot (same object until the next notification). */
  getSnapshot(): TrackerSnapshot;
  /** Called when the snapshot changed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Closes the socket and writes the database: true when it holds every change. */
  stop(): Promise<boolean>;
  stats(): TrackerServerStats;
}

const TRACKER_REQUESTS: ReadonlySet<Message['type']> = new Set<TrackerRequest['type']>([
  'register',
  'register-proof',
  'heartbeat',
  'own',
  'own-many',
  'need',
  'update',
  'exit',
  'list',
  'who',
]);

/**
 * Listening on every address (0.0.0.0, ::): the machine's others, which nodes on other machines
 * give as --tracker (said when the tracker starts). On `::` IPv4 nodes come in too (the socket is
 * dual-stack unless the system says `bindv6only`), so its IPv4 addresses come first: most LANs
 * are IPv4. Otherwise none.
 */
function reachableAt(listening: string): string[] {
  const others = (family: 4 | 6) =>
    machineAddresses(family).filter((address) => !isLoopbackAddress(address));
  if (listening === '0.0.0.0') return others(4);
  if (listening !== '::') return [];
  const dualStack = readProcText('/proc/sys/net/ipv6/bindv6only')?.trim() !== '1';
  return [...(dualStack ? others(4) : []), ...others(6)];
}

function isTrackerRequest(message: Message): message is TrackerRequest {
  return TRACKER_REQUESTS.has(message.type);
}

/**
 * Requests that change what the store holds; with a shared store they are answered only after
 * the change is written (a retransmission too: its original may be in the write under way).
 */
const CHANGE_REQUESTS: ReadonlySet<Message['type']> = new Set<TrackerRequest['type']>([
  'register-proof',
  'own',
  'own-many',
  'update',
  'exit',
]);

/**
 * ...and with the embedded store, those a node never sends again once acknowledged: a tracker
 * restarted from its own disk had lost what came within its batch delay (250 ms) before a
 * crash. A credit the log said was given was gone (`kill -9` right after `credited node 51 ->
 * node 49`; found by a session), and an OWN left a seeder unlisted while its session came back.
 * A node that loses its session registers again and announces everything anew, and an EXIT
 * lost is a node swept later, so those are answered at once.
 */
const UNREPEATED_CHANGE_REQUESTS: ReadonlySet<Message['type']> = new Set<TrackerRequest['type']>([
  'own',
  'own-many',
  'update',
]);

/** Events that change nothing a snapshot shows. */
const QUIET_EVENTS: ReadonlySet<TrackerEvent['kind']> = new Set<TrackerEvent['kind']>([
  'noise',
  'rejected',
  'refused',
  'throttled',
  'internal-error',
  'searched',
  'credit-capped',
]);

/**
 * Refusals are summed up per 10 s window: each kind (a refused OWN, a bad token, ...) gets one
 * full line per window, undecodable datagrams none; then one summary line per kind.
 */
const NOISE_WINDOW_MS = 10_000;
const REFUSAL_FULL_LINES_PER_KIND = 1;
/** `searched` lines per host and window before its searches are only counted. */
const SEARCH_LINES_PER_HOST = 20;
/**
 * `searched` lines per window from all hosts together; beyond, one summary line per window. A
 * swarm of 100,000 nodes searches ~500 times a second: a line each was a log no one can read,
 * and the lines and per-host counts were what the tracker's young-generation collections copied.
 */
const SEARCH_LINES_PER_WINDOW = 200;
const ALL_SEARCHES_KIND = 'searches';
/** Searches answered as the node's previous one (see SearchRepeats): only summed up. */
const REPEATED_SEARCHES_KIND = 'searches answered as before';
/**
 * Lines per host and window for the changes its requests make (joined, owns, withdrew, ...): a
 * registered host that announces and withdraws a file in a loop is within its request budget,
 * but must not write a line per datagram either. Honest nodes make a few per minute.
 */
const CHANGE_LINES_PER_HOST = 100;
/** Events a host can cause again and again with valid requests. */
const CHURN_EVENTS: ReadonlySet<TrackerEvent['kind']> = new Set<TrackerEvent['kind']>([
  'joined',
  'reregistered',
  'rejoined',
  'owns',
  'withdrew',
  'exited',
  'credit-capped',
]);
/** How often the snapshot a subscriber read is checked for staleness. */
const STALENESS_CHECK_MS = 100;
/**
 * Figures that move by themselves (heartbeat ages, uptime, requests a second, decode errors)
 * reach a subscriber at most this often; events (a node joins, goes late, owns a file) at once.
 * Each refresh is a frame of the tracker view, ~12 ms of CPU at 120x40 whatever changed (Ink
 * draws every cell anew): at one a second, and two more per heartbeat as requests a second went
 * 0 -> 1 -> 0, an idle view with three peers used 1.3-1.5 % of a core. top refreshes every 3 s.
 */
const FIGURES_REFRESH_MS = 2_000;
/**
 * Rebuilding rows costs ~0.1 s at 100k nodes; the next rebuild waits this many times the last
 * one's cost, so the UI never takes more than a fifth of the event loop from the socket.
 */
const REBUILD_COST_FACTOR = 4;

/** Loads the database, binds the socket and starts serving. */
export async function startTracker(
  opts: TrackerServerOptions,
): Promise<{ ok: true; tracker: TrackerServer } | { ok: false; error: OpenError | StoreError }> {
  const clock = opts.clock ?? systemClock;
  const opened = await openUdpTransport({
    host: opts.host,
    port: opts.port,
    receiveBufferBytes: defaults.socketReceiveBufferBytes,
    sendBufferBytes: defaults.socketSendBufferBytes,
  });
  if (!opened.ok) return opened;
  const trackerId = formatAddress(opened.transport.localAddress);
  const store = await openTrackerStore({
    dbDir: opts.dbDir,
    storeUrl: opts.storeUrl,
    trackerId,
    clock,
    batchDelayMs: opts.dbFlushDelayMs,
    onProblem: (text) => opts.logger.log(text),
    sweepIntervalMs: opts.sweepIntervalMs,
  });
  let loaded: Awaited<ReturnType<TrackerStore['load']>>;
  try {
    loaded = await store.load(clock.wallNow());
  } catch (error) {
    await store.close().catch(() => {});
    await opened.transport.close();
    const message = `cannot open ${store.location}: ${(error as Error).message}`;
    return { ok: false, error: { code: 'store-unavailable', message } };
  }
  for (const note of loaded.notes) opts.logger.log(note);
  const transport = new OtherVersionAnswer(
    opts.transportWrapper?.(opened.transport) ?? opened.transport,
  );
  const { state, ignoredEntries } = TrackerState.fromPersisted(
    loaded.persisted,
    {
      ...opts.limits,
      sweepIntervalMs: opts.sweepIntervalMs,
      ...(store.shared ? { sharedAs: trackerId } : {}),
      trackerSecret: loaded.trackerSecret,
    },
    opts.randomBytes ?? cryptoRandomBytes,
    clock,
    clock.now(),
  );
  state.rememberCredited(loaded.credited);
  state.applyRemote(loaded.ops, clock.now());
  state.graceAfterStart(clock.now());
  if (ignoredEntries > 0) {
    opts.logger.log(
      formatEvent({ kind: 'db-entries-ignored', dbDir: store.location, entries: ignoredEntries }),
    );
  }
  const restored = state.toPersisted();
  const counts = { nodes: restored.nodes.length, files: restored.files.length };
  return { ok: true, tracker: new RunningTracker(opts, clock, transport, state, store, counts) };
}

class RunningTracker implements TrackerServer {
  readonly address: RemoteAddress;
  private readonly endpoint: UdpEndpoint;
  private readonly trackerId: string;
  private readonly notifier: ChangeNotifier;
  private readonly rate = new RequestRate();
  private readonly refusals: NoiseWindow;
  private readonly searchRepeats = new SearchRepeats();
  private decodeErrors = 0;
  private readonly startedAtMs: number;
  /** What a node gives as --tracker (see ServerFigures). */
  private readonly addressForNodes: string;
  private readonly counters = {
    requests: 0,
    repliesSent: 0,
    repliesClipped: 0,
    repliesWithheld: 0,
    ignoredMessages: 0,
    rejectedRequests: 0,
    internalErrors: 0,
  };
  private cached: TrackerSnapshot | null = null;
  private cachedAtMs = 0;
  private lastRebuildCostMs = 0;
  private sweepTimer: TimerHandle | null = null;
  private stalenessTimer: TimerHandle | null = null;
  private stopping: Promise<boolean> | null = null;
  /** When the shared store was found out (see storeAnswers); null while it answers. */
  private storeOutageSinceMs: number | null = null;

  constructor(
    private readonly opts: TrackerServerOptions,
    private readonly clock: Clock,
    transport: DatagramTransport,
    private readonly state: TrackerState,
    private readonly store: TrackerStore,
    restored: { nodes: number; files: number },
  ) {
    this.startedAtMs = clock.now();
    this.endpoint = new UdpEndpoint(transport, { clock });
    this.address = transport.localAddress;
    this.trackerId = formatAddress(this.address);
    const elsewhere = reachableAt(this.address.address);
    this.addressForNodes =
      elsewhere.length > 0
        ? formatAddress({ address: elsewhere[0]!, port: this.address.port })
        : this.trackerId;
    this.notifier = new ChangeNotifier(clock, () => {
      this.cached = null;
    });
    // After the notifier: batches that came during the start-up read are applied right here
    // (before, a tracker starting beside a busy one crashed on the first of them).
    store.onRemote({
      batch: (batch) => {
        if (this.stopping || batch.trackerId === this.trackerId) return;
        state.applyRemote(batch.ops, clock.now());
        this.notifier.changed();
      },
      wholeSwarm: (whole, unwritten) => {
        if (this.stopping) return;
        state.resyncRemote(whole, unwritten, clock.now());
        this.notifier.changed();
      },
    });
    this.refusals = new NoiseWindow({
      clock,
      windowMs: NOISE_WINDOW_MS,
      fullLinesPerKind: REFUSAL_FULL_LINES_PER_KIND,
      summarize: (summary) => this.log({ kind: 'noise', summary }),
    });
    this.endpoint.onMessage((message, txid, from, datagramBytes) =>
      this.onMessage(message, txid, from, datagramBytes),
    );
    // Counted only; a refresh of the figures shows it (FIGURES_REFRESH_MS).
    this.endpoint.onDecodeError((error, from) => {
      this.decodeErrors++;
      this.refusals.record(undecodableKind(error.code), from, 0);
    });
    this.log({
      kind: 'listening',
      address: this.address,
      sweepIntervalMs: opts.sweepIntervalMs,
      heartbeatIntervalMs: heartbeatIntervalForSweep(opts.sweepIntervalMs),
      restoredNodes: restored.nodes,
      restoredFiles: restored.files,
      dbDir: store.location,
      reachableAt: elsewhere,
    });
    this.scheduleSweep();
    this.scheduleStalenessCheck();
  }

  getSnapshot(): TrackerSnapshot {
    if (!this.cached) {
      const nowMs = this.clock.now();
      this.cachedAtMs = nowMs;
      this.cached = this.state.snapshot(
        nowMs,
        {
          listeningAddress: formatAddress(this.address),
          addressForNodes: this.addressForNodes,
          uptimeMs: nowMs - this.startedAtMs,
          requestsPerSecond: this.rate.perSecond(nowMs),
          decodeErrors: this.decodeErrors,
        },
        {
          maxAgeMs: FIGURES_REFRESH_MS,
          minRebuildGapMs: Math.min(
            FIGURES_REFRESH_MS,
            REBUILD_COST_FACTOR * this.lastRebuildCostMs,
          ),
        },
      );
      if (this.state.snapshotRows.builtAtMs === nowMs) {
        this.lastRebuildCostMs = this.clock.now() - nowMs;
      }
    }
    return this.cached;
  }

  subscribe(listener: () => void): () => void {
    return this.notifier.subscribe(listener);
  }

  stats(): TrackerServerStats {
    return {
      ...this.counters,
      decodeErrors: this.decodeErrors,
      dbWrites: this.store.writes,
      endpoint: this.endpoint.stats(),
    };
  }

  stop(): Promise<boolean> {
    if (!this.stopping) this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<boolean> {
    if (this.sweepTimer) this.clock.clearTimeout(this.sweepTimer);
    if (this.stalenessTimer) this.clock.clearTimeout(this.stalenessTimer);
    this.notifier.stop();
    this.refusals.stop();
    await this.endpoint.close();
    this.recordOps();
    const dbUpToDate = await this.store.flush();
    await this.store.close();
    this.log({ kind: 'stopped', dbDir: this.store.location, dbUpToDate });
    return dbUpToDate;
  }

  private onMessage(message: Message, txid: number, from: RemoteAddress, bytes: number): void {
    if (this.stopping) return;
    if (!isTrackerRequest(message)) {
      this.counters.ignoredMessages++;
      return;
    }
    const nowMs = this.clock.now();
    this.counters.requests++;
    this.rate.record(nowMs);
    try {
      const result = this.state.handle(message, from, nowMs);
      this.report(result.events, from);
      this.recordOps();
      const { reply } = result;
      if (!reply) return;
      const changes = this.store.shared ? CHANGE_REQUESTS : UNREPEATED_CHANGE_REQUESTS;
      if (changes.has(message.type)) {
        // Another tracker takes over from a dead one with what the store holds: a change is
        // acknowledged only once it is there, or the node (which never resends an
        // acknowledged UPDATE) would lose it with this process. Costs about a Redis round
        // trip, or an LMDB commit: the write starts at once (group commit, see BatchWriter).
        void this.store.afterPendingWritten().then(() => {
          if (!this.stopping) this.sendReply(message, reply, txid, from, bytes);
        });
        return;
      }
      this.sendReply(message, reply, txid, from, bytes);
    } catch (error) {
      // A bug met by one request (e.g. a reply the codec refuses to encode) must not take the
      // whole swarm's tracker down with it: log it loudly and keep serving.
      this.counters.internalErrors++;
      const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.report([{ kind: 'internal-error', request: message.type, from, reason }]);
    }
  }

  /** Replies to unvalidated senders are clipped to the request's size (see reply-clip.ts). */
  private sendReply(
    request: TrackerRequest,
    reply: TrackerReply,
    txid: number,
    to: RemoteAddress,
    requestBytes: number,
  ): void {
    const prepared = replyDatagram(request, reply, txid, requestBytes);
    if (!prepared) {
      this.counters.repliesWithheld++;
      return;
    }
    if (prepared.clipped) this.counters.repliesClipped++;
    this.endpoint.sendRaw(prepared.datagram, prepared.datagram.length, to);
    this.counters.repliesSent++;
  }

  /** Hands what the last request or sweep changed to the store, which batches the writes. */
  private recordOps(): void {
    const ops = this.state.takeOps();
    if (ops.length > 0) this.store.record({ trackerId: this.trackerId, ops }, this.state);
  }

  private log(event: TrackerEvent): void {
    const listening = this.endpoint.localAddress.address;
    this.opts.logger.log(`${formatEvent(event)}${reachNote(event, listening)}`);
  }

  /** `from`: the sender of the request that caused the events (none for a sweep). */
  private report(events: readonly TrackerEvent[], from?: RemoteAddress): void {
    let changed = false;
    for (const event of events) {
      changed ||= !QUIET_EVENTS.has(event.kind);
      if (event.kind === 'rejected') this.counters.rejectedRequests++;
      // Never a line per datagram: each kind of refusal once per window, then a summary.
      if (isRefusal(event) && !this.refusals.record(refusalKind(event), event.from)) continue;
      // A NEED is cheap and repeatable: a host's searches are logged up to a budget, then counted.
      if (event.kind === 'searched' && from) {
        if (this.searchRepeats.repeats(event)) {
          this.refusals.record(REPEATED_SEARCHES_KIND, from, 0);
          continue;
        }
        // The window's lines for all hosts first: once they are spent, no per-host count is made.
        if (this.refusals.spent(ALL_SEARCHES_KIND, SEARCH_LINES_PER_WINDOW)) {
          this.refusals.record(ALL_SEARCHES_KIND, from, SEARCH_LINES_PER_WINDOW);
          continue;
        }
        const kind = `searches from ${hostKeyOf(from)}`;
        if (!this.refusals.record(kind, from, SEARCH_LINES_PER_HOST)) continue;
        this.refusals.record(ALL_SEARCHES_KIND, from, SEARCH_LINES_PER_WINDOW);
      }
      if (CHURN_EVENTS.has(event.kind) && from) {
        const kind = `changes from ${hostKeyOf(from)} (joined, owns, withdrew, ...)`;
        if (!this.refusals.record(kind, from, CHANGE_LINES_PER_HOST)) continue;
      }
      this.log(event);
    }
    if (changed) this.notifier.changed();
  }

  private scheduleSweep(): void {
    // A quarter period: a status changes within a fraction of a sweep of its threshold.
    const everyMs = Math.max(1, Math.floor(this.opts.sweepIntervalMs / 4));
    const dueMs = this.clock.now() + everyMs;
    this.sweepTimer = this.clock.setTimeout(() => {
      const nowMs = this.clock.now();
      const awayMs = notRunningMs(dueMs, nowMs, everyMs);
      if (awayMs > 0) {
        this.state.excuseAbsence(awayMs, nowMs);
        this.opts.logger.log(
          `the tracker did not run for ${formatSeconds(awayMs)} (stopped or asleep): that silence is not held against the nodes`,
        );
      }
      const events = this.state.sweep(nowMs, this.storeAnswers(nowMs));
      this.report(events);
      this.recordOps();
      this.scheduleSweep();
    }, everyMs);
    this.sweepTimer.unref?.();
  }

  /**
   * False while the shared store is out: what the other trackers heard waits in them, so a node
   * not heard here cannot be told from a gone one, and none is dropped. Once it is back, its
   * outage is not held against the nodes, as the tracker's own absence is not. Until 2026-12-07
   * a tracker dropped every node of the others during a Redis outage, and once Redis was back
   * its drops reached them too: nodes alive throughout lost their sessions, owners and credits
   * (found by a session, Redis stopped for 55 s).
   */
  private storeAnswers(nowMs: number): boolean {
    const since = this.store.outageSinceMs ?? null;
    if (since !== null) {
      if (this.storeOutageSinceMs === null) {
        this.storeOutageSinceMs = since;
        this.opts.logger.log(
          `no node is dropped while ${this.store.location} is out: one heard only by another tracker cannot be told from a gone one`,
        );
      }
      return false;
    }
    if (this.storeOutageSinceMs !== null) {
      const outageMs = nowMs - this.storeOutageSinceMs;
      this.storeOutageSinceMs = null;
      this.state.excuseAbsence(outageMs, nowMs);
      this.opts.logger.log(
        `${this.store.location} was out for ${formatSeconds(outageMs)}: that silence is not held against the nodes`,
      );
    }
    return true;
  }

  /** A snapshot someone read is stale once its figures are old, or its rows were held back. */
  private scheduleStalenessCheck(): void {
    this.stalenessTimer = this.clock.setTimeout(() => {
      const nowMs = this.clock.now();
      const old = this.cached !== null && nowMs - this.cachedAtMs >= FIGURES_REFRESH_MS;
      // Rows reused while rebuilds were rate-limited: the change they miss is an event.
      const behind = this.cached !== null && this.state.snapshotRows.version !== this.state.version;
      if (old || behind) this.notifier.changed();
      this.scheduleStalenessCheck();
    }, STALENESS_CHECK_MS);
    this.stalenessTimer.unref?.();
  }
}

/**
 * The tracker as a pure state machine: requests in, replies and events out, time passed in as
 * numbers. No sockets, no files, no timers, so every rule can be tested on virtual time.
 */
import type { Clock } from '../clock.ts';
import { defaults, heartbeatIntervalForSweep } from '../config.ts';
import type { RemoteAddress } from '../net/transport.ts';
import {
  type ErrorMessage,
  MAX_ERROR_TEXT_BYTES,
  type OwnEntry,
  type OwnRefusal,
  type RegisterMessage,
  type RegisterProofMessage,
  TOKEN_BYTES,
  type TrackerErrorCode,
  type TrackerReply,
  type TrackerRequest,
} from '../protocol/messages.ts';
import { truncateUtf8 } from '../protocol/names.ts';
import { fixedSecrets, type TrackerSecrets } from './challenge.ts';
import { applyOwn, applyUpdate, type OwnLimits } from './contributions.ts';
import { BoundedMap, CreditLedger, DEFAULT_CREDIT_MEMORY_ENTRIES } from './credit-ledger.ts';
import type { TrackerEvent } from './events.ts';
import { HostBudget } from './host-budget.ts';
import { hostKeyOf } from './host-key.ts';
import { NamedOwners } from './named-owners.ts';
import { OwnerIndex } from './owner-index.ts';
import type { PersistedFile, PersistedNode, PersistedTracker } from './persisted.ts';
import { answerList, answerNeed, answerWho } from './queries.ts';
import { answerRegister, applyProof, type RegistrationContext } from './registration.ts';
import { type ByteString, type NodeRecord, Registry, sameAddress } from './registry.ts';
import { persistFile, persistNode, persistState, restoreState } from './restore.ts';
import {
  assembleSnapshot,
  NO_ROW_REUSE,
  NO_SERVER_FIGURES,
  type RowReuse,
  type ServerFigures,
  SnapshotRows,
  type TrackerSnapshot,
} from './snapshot.ts';
import { StateJournal } from './store/journal.ts';
import type { CreditOp, StateOp } from './store/ops.ts';
import { applyRemoteOp, type ReplicaParts, resyncReplica } from './store/replica.ts';

/** Bounds of a tracker; every one can be lowered for tests. */
export const DEFAULT_TRACKER_LIMITS = {
  maxNodes: defaults.trackerMaxNodes,
  maxFiles: defaults.trackerMaxFiles,
  maxFilesPerNode: 10_000,
  creditMemoryEntries: DEFAULT_CREDIT_MEMORY_ENTRIES,
  /**
   * Per source host (host-key.ts): one machine may run a few nodes, not fill the registry. 64
   * ids leave room for a whole test swarm on 127.0.0.1; 10,000 ownerships is one node's bound.
   */
  maxNodesPerHost: 64,
  maxFilesPerHost: 10_000,
  /**
   * Proven requests per second per host: an honest node sends a heartbeat every 20 s and a NEED
   * every 0.5-2 s while it downloads, so 200/s serves dozens of busy nodes on one host, while
   * one host sending as fast as it can takes a small share of a tracker that answers >10,000/s.
   */
  requestsPerHostPerSecond: 200,
  requestBurstPerHost: 400,
  /** Hosts whose request budget is remembered (least recently seen forgotten first). */
  budgetHosts: 65_536,
} as const;

/** Options of a TrackerState. */
export interface TrackerStateOptions {
  /** Silent this long: late; twice this long: dropped. */
  sweepIntervalMs: number;
  maxNodes?: number;
  maxFiles?: number;
  maxFilesPerNode?: number;
  /** Entries in each bounded UPDATE memory (applied downloads, credited totals). */
  creditMemoryEntries?: number;
  maxNodesPerHost?: number;
  maxFilesPerHost?: number;
  requestsPerHostPerSecond?: number;
  requestBurstPerHost?: number;
  /** Where the registration challenges' HMAC secret comes from (default: `trackerSecret`). */
  secrets?: TrackerSecrets;
  /**
   * This tracker's `host:port` when trackers share one swarm: every message heard is journaled
   * too (liveness is shared), and the snapshot shows which tracker each node talks to.
   */
  sharedAs?: string;
  /**
   * The swarm's secret (32 bytes), kept by the store so every tracker of a shared swarm has
   * the same one: for MACs that must verify on any of them (registration challenges).
   */
  trackerSecret?: Buffer;
}

/** Source of token bytes: node:crypto's randomBytes in the binary, seeded in tests. */
export type RandomBytes = (n: number) => Buffer;

/** What one request did. `dirty`: persisted state changed, the store should write. */
export interface HandleResult {
  reply: TrackerReply | null;
  events: TrackerEvent[];
  dirty: boolean;
}

/** Sessions ended by EXIT that a retransmitted EXIT is still recognised for (one sweep period). */
const EXITED_SESSIONS_KEPT = 1_024;

/**
 * Sweep periods after a start that restored nodes in which they may still be coming back: a
 * node is back within a heartbeat period and its backoff's cap (~28 s of the default 22 s sweep),
 * and its owed credits follow a heartbeat period later. Five periods is twice that and more; and
 * at least RETURNING_MIN_MS, for a short sweep on a loaded machine: at a 2 s sweep (10 s) a CI
 * run's peers, sharing one busy process, came back after it, and a credit was spent on nobody.
 */
const RETURNING_SWEEPS = 5;
const RETURNING_MIN_MS = 60_000;

/** The tracker engine's state: registry, owner index and credit ledger. */
export class TrackerState {
  private readonly registry: Registry;
  private readonly index: OwnerIndex;
  private readonly ledger: CreditLedger;
  private readonly maxNodes: number;
  private readonly limits: OwnLimits;
  private readonly maxNodesPerHost: number;
  private readonly secrets: TrackerSecrets;
  private readonly budget: HostBudget;
  /**
   * Challenges that registered a node (see RegistrationContext): one lives at most 60 s, and
   * registrations are held to each host's budget, so this many outlast any still valid.
   */
  private readonly usedChallenges = new BoundedMap<true>(DEFAULT_CREDIT_MEMORY_ENTRIES);
  private changeCount = 0;
  /** When a start restored nodes (see graceAfterStart), and until when they may be returning. */
  private restartedAtMs = 0;
  private returningUntilMs = Number.NEGATIVE_INFINITY;
  private readonly rows = new SnapshotRows();
  private readonly journal: StateJournal;
  /** The tracker each node talks to, when trackers share the swarm (see sharedAs). */
  private readonly via = new Map<number, string>();
  private readonly namedOwners = new NamedOwners();
  private readonly trackerOf = (nodeId: number): string => this.via.get(nodeId) ?? '';
  /** Sessions ended by EXIT lately, by token (hex): where from, and when. */
  private readonly exited = new BoundedMap<{ from: RemoteAddress; atMs: number }>(
    EXITED_SESSIONS_KEPT,
  );

  constructor(
    private readonly options: TrackerStateOptions,
    private readonly randomBytes: RandomBytes,
    private readonly clock: Pick<Clock, 'wallNow'>,
  ) {
    this.registry = new Registry(options.sweepIntervalMs);
    this.limits = {
      maxFiles: options.maxFiles ?? DEFAULT_TRACKER_LIMITS.maxFiles,
      maxFilesPerNode: options.maxFilesPerNode ?? DEFAULT_TRACKER_LIMITS.maxFilesPerNode,
      maxFilesPerHost: options.maxFilesPerHost ?? DEFAULT_TRACKER_LIMITS.maxFilesPerHost,
    };
    this.maxNodesPerHost = options.maxNodesPerHost ?? DEFAULT_TRACKER_LIMITS.maxNodesPerHost;
    // Without a secret from a store, one for this process: challenges then die with it.
    this.secrets = options.secrets ?? fixedSecrets(options.trackerSecret ?? randomBytes(32));
    this.budget = new HostBudget({
      perSecond:
        options.requestsPerHostPerSecond ?? DEFAULT_TRACKER_LIMITS.requestsPerHostPerSecond,
      burst: options.requestBurstPerHost ?? DEFAULT_TRACKER_LIMITS.requestBurstPerHost,
      maxHosts: DEFAULT_TRACKER_LIMITS.budgetHosts,
    });
    this.index = new OwnerIndex(this.limits);
    this.ledger = new CreditLedger(
      options.creditMemoryEntries ?? DEFAULT_TRACKER_LIMITS.creditMemoryEntries,
    );
    this.maxNodes = options.maxNodes ?? DEFAULT_TRACKER_LIMITS.maxNodes;
    this.journal = new StateJournal(options.sharedAs ?? null);
  }

  /** A state rebuilt from the database; `ignoredEntries` counts entries that did not fit. */
  static fromPersisted(
    persisted: PersistedTracker,
    options: TrackerStateOptions,
    randomBytes: RandomBytes,
    clock: Pick<Clock, 'wallNow'>,
    nowMs: number,
  ): { state: TrackerState; ignoredEntries: number } {
    const state = new TrackerState(options, randomBytes, clock);
    const ignoredEntries = restoreState(
      persisted,
      state.registry,
      state.index,
      state.maxNodes,
      nowMs,
    );
    return { state, ignoredEntries };
  }

  /** Version and time of the newest snapshot rows; behind `version` while rebuilds wait. */
  get snapshotRows(): { version: number; builtAtMs: number } {
    return this.rows.lastBuild;
  }

  /** Grows whenever something a snapshot shows has changed (not on plain heartbeats). */
  get version(): number {
    return this.changeCount;
  }

  /** Applies one request from `from` at monotonic time `nowMs`. */
  handle(request: TrackerRequest, from: RemoteAddress, nowMs: number): HandleResult {
    if (request.type === 'register') return this.challenge(request, from, nowMs);
    if (request.type === 'register-proof') return this.register(request, from, nowMs);
    const auth = this.registry.authenticate(request.token, from, nowMs);
    if (!auth.ok && request.type === 'exit' && this.exitedLately(request.token, from, nowMs)) {
      // Its first EXIT was taken and the ack lost (or late): acknowledged again, not reported as
      // a rejected stranger (`rejected … exit: unknown token`, found in a log by hand).
      return { reply: ACK, events: [], dirty: false };
    }
    if (!auth.ok) {
      const events: TrackerEvent[] = [];
      // A node past the drop threshold is dropped now, not at the next sweep.
      if (auth.node) events.push(this.drop(auth.node, nowMs));
      events.push({ kind: 'rejected', from, request: request.type, problem: auth.problem });
      const reply = errorReply('reregister', 'session unknown or expired: register again');
      return { reply, events, dirty: auth.node !== undefined };
    }
    if (!this.budget.take(hostKeyOf(from), nowMs)) return throttled(from, request);
    const node = auth.node;
    const events: TrackerEvent[] = [];
    this.hear(node, nowMs, events);
    switch (request.type) {
      case 'heartbeat':
        return { reply: ACK, events, dirty: false };
      case 'own': {
        const changesBefore = this.changeCount;
        const refusal = this.own(node, request, from, events);
        if (refusal) return { reply: refusal, events, dirty: false };
        return { reply: ACK, events, dirty: this.changeCount !== changesBefore };
      }
      case 'own-many': {
        // One request of the host's budget for all its entries: what a restarted tracker's
        // swarm sends to announce everything again is a sixteenth of the datagrams.
        const changesBefore = this.changeCount;
        const refused: OwnRefusal[] = [];
        for (const [index, entry] of request.entries.entries()) {
          const refusal = this.own(node, entry, from, events);
          if (refusal) refused.push({ index, code: refusal.code, text: refusal.text });
        }
        const reply: TrackerReply = { type: 'own-many-reply', refused };
        return { reply, events, dirty: this.changeCount !== changesBefore };
      }
      case 'need': {
        const answer = answerNeed(this.registry, this.index, node.nodeId, request, nowMs);
        if (answer.reply.type === 'need-reply')
          for (const match of answer.reply.matches)
            for (const owner of match.owners)
              this.namedOwners.note(
                node.nodeId,
                owner.nodeId,
                this.registry.get(owner.nodeId)?.publicKey ?? null,
              );
        events.push(answer.event);
        return { reply: answer.reply, events, dirty: false };
      }
      case 'list':
        return {
          reply: answerList(this.registry, this.index, request.cursor, nowMs),
          events,
          dirty: false,
        };
      case 'who':
        return { reply: answerWho(this.registry, request, nowMs), events, dirty: false };
      case 'update': {
        const sameHolder = (ownerId: number, key: ByteString | null) =>
          this.namedOwners.sameHolder(node.nodeId, ownerId, key);
        const { registry, index, ledger } = this;
        const sinceRestartMs = nowMs < this.returningUntilMs ? nowMs - this.restartedAtMs : null;
        const outcome = applyUpdate(
          registry,
          index,
          ledger,
          node,
          request,
          nowMs,
          sameHolder,
          sinceRestartMs,
        );
        if (outcome.notYet !== null)
          return refuse(events, from, request, 'not-yet', outcome.notYet);
        const credits = outcome.events;
        const granted = credits.some((event) => event.kind === 'credited');
        if (granted) {
          this.changeCount++;
          const sizeBytes = this.index.get(request.infohash.toString('hex'))?.sizeBytes ?? 0;
          this.journal.credits(request, node.nodeId, hostKeyOf(node.address), sizeBytes, credits);
        }
        events.push(...credits);
        return { reply: ACK, events, dirty: granted };
      }
      case 'exit': {
        this.exited.set(request.token.toString('hex'), { from, atMs: nowMs });
        this.journal.nodeDelete(node.nodeId, this.index.ownedBy(node.nodeId));
        this.via.delete(node.nodeId);
        const lost = this.index.removeOwner(node.nodeId);
        this.registry.remove(node.nodeId, null);
        this.changeCount++;
        events.push({ kind: 'exited', nodeId: node.nodeId, ...lost });
        return { reply: ACK, events, dirty: true };
      }
    }
  }

  /** Applies one announced file; the ERROR that refuses it, or null when it was taken. */
  private own(
    node: NodeRecord,
    entry: OwnEntry,
    from: RemoteAddress,
    events: TrackerEvent[],
  ): ErrorMessage | null {
    const outcome = applyOwn(this.registry, this.index, this.limits, node, entry);
    if (!outcome.ok) {
      const reply = errorReply(outcome.code, outcome.text);
      events.push({ kind: 'refused', from, request: 'own', code: reply.code, text: reply.text });
      return reply;
    }
    if (outcome.event) {
      events.push(outcome.event);
      this.changeCount++;
      this.journal.own(entry, node.nodeId);
    }
    return null;
  }

  /** `token` ended its session with an EXIT from `from` within the last sweep period. */
  private exitedLately(token: Buffer, from: RemoteAddress, nowMs: number): boolean {
    const exit = this.exited.get(token.toString('hex'));
    return (
      exit !== undefined &&
      sameAddress(exit.from, from) &&
      nowMs - exit.atMs < this.options.sweepIntervalMs
    );
  }

  /**
   * Marks nodes late after one silent sweep period and drops them after two; with `mayDrop`
   * false (the shared store is out: see RunningTracker) only marks them late.
   */
  sweep(nowMs: number, mayDrop = true): TrackerEvent[] {
    this.registry.dropsHeld = !mayDrop;
    const events: TrackerEvent[] = [];
    for (const node of this.registry.nodes()) {
      const status = this.registry.statusOf(node, nowMs);
      if (status === 'dropped' && mayDrop) {
        events.push(this.drop(node, nowMs));
      } else if ((status === 'late' || status === 'dropped') && !node.reportedLate) {
        node.reportedLate = true;
        this.changeCount++;
        const silentMs = nowMs - node.lastHeardMs;
        events.push(
          node.tokenHex === null
            ? { kind: 'late', nodeId: node.nodeId, silentMs, neverHeard: true }
            : mayDrop
              ? { kind: 'late', nodeId: node.nodeId, silentMs }
              : { kind: 'late', nodeId: node.nodeId, silentMs, storeOut: true },
        );
      }
    }
    return events;
  }

  /**
   * An immutable view for the UI; `figures` come from the server. By default rows are rebuilt
   * each time; a server passes `reuse` so that refreshing its counters, or a burst of events in
   * a 100k-node swarm, does not rebuild the whole table each time.
   */
  snapshot(
    nowMs: number,
    figures: ServerFigures = NO_SERVER_FIGURES,
    reuse: RowReuse = NO_ROW_REUSE,
  ): TrackerSnapshot {
    const rows = this.rows.current(
      this.registry,
      this.index,
      this.changeCount,
      nowMs,
      reuse,
      this.trackerOf,
    );
    const { alive, late, restored } = rows.counts;
    const header = {
      ...figures,
      nodesAlive: alive,
      nodesLate: late,
      nodesRestored: restored,
      files: rows.files.length,
    };
    return assembleSnapshot(header, rows.nodes, rows.files);
  }

  /** What the store writes: nodes by id, files by name. */
  toPersisted(): PersistedTracker {
    return persistState(this.registry, this.index);
  }

  /** One node's record as a store writes it; null when the id is not registered. */
  persistedNode(nodeId: number): PersistedNode | null {
    const node = this.registry.get(nodeId);
    return node ? persistNode(node) : null;
  }

  /** One file's record as a store writes it; null when it has no complete owner. */
  persistedFile(infohashHex: string): PersistedFile | null {
    const file = this.index.get(infohashHex);
    return file ? persistFile(file) : null;
  }

  /**
   * The whole state as the ops that build it in an empty store: every node with its session and
   * when it was last heard, every owner, complete or partial (not the credit ledger). For a
   * shared store that lost the swarm (Redis restarted without its data, or flushed): the
   * tracker writes back what it holds (redis-store.ts).
   */
  stateAsOps(nowMs: number): StateOp[] {
    const wallNowMs = this.clock.wallNow();
    const ops: StateOp[] = [];
    for (const node of this.registry.nodes()) {
      const via = this.via.get(node.nodeId);
      ops.push({
        op: 'node-set',
        node: persistNode(node),
        session: {
          tokenHex: node.tokenHex,
          heardAtWallMs: wallNowMs - (nowMs - node.lastHeardMs),
          ...(via ? { via } : {}),
        },
      });
    }
    for (const file of this.index.all()) {
      for (const nodeId of file.ownerIds()) {
        const { infohashHex: infohash, name, sizeBytes: size } = file;
        const complete = !file.isPartialOwner(nodeId);
        ops.push({ op: 'own', infohash, name, size, nodeId, complete });
      }
    }
    return ops;
  }

  /** The changes since the last call, for the store (see store/ops.ts). */
  takeOps(): StateOp[] {
    return this.journal.take();
  }

  /**
   * At start: a node last heard over a sweep period ago counts as heard one sweep period ago. It
   * shows late, and has one more sweep period to be heard before it is dropped. Why: the heard
   * times of a shared store include an outage in which no tracker listened, which is not the
   * nodes' silence; without this every node was dropped at the first sweep after such an
   * outage, its files lost their owners, and a credit sent before its owners registered again
   * credited nobody. (Records restored from LMDB count as heard at start already.) For
   * RETURNING_SWEEPS sweep periods (RETURNING_MIN_MS at least) after a start that restored
   * nodes, an UPDATE naming an owner not back yet is answered `not-yet` (contributions.ts).
   */
  graceAfterStart(nowMs: number): void {
    const earliest = nowMs - this.options.sweepIntervalMs;
    for (const node of this.registry.nodes()) {
      if (node.lastHeardMs < earliest) node.lastHeardMs = earliest;
    }
    if (this.registry.size === 0) return;
    this.restartedAtMs = nowMs;
    const returningMs = Math.max(RETURNING_SWEEPS * this.options.sweepIntervalMs, RETURNING_MIN_MS);
    this.returningUntilMs = nowMs + returningMs;
  }

  /**
   * The tracker process did not run for `awayMs` (stopped with Ctrl+Z or SIGSTOP, its machine
   * asleep): what each node sent meanwhile waits in the socket, unread. That silence is the
   * tracker's, so it is taken off each node's: every node counts as heard `awayMs` later (never
   * after now). Without this the first sweep after a minute's stop dropped every node, each
   * 'silent for 58 s', and their files lost their owners until they registered again.
   */
  excuseAbsence(awayMs: number, nowMs: number): void {
    for (const node of this.registry.nodes()) {
      node.lastHeardMs = Math.min(nowMs, node.lastHeardMs + awayMs);
    }
  }

  /**
   * At start: UPDATEs whose credits the restored records already hold. The ledger learns their
   * download ids and the bytes each (host, file) pair has given, so a resent one credits nothing.
   */
  rememberCredited(ops: readonly CreditOp[]): void {
    for (const op of ops) this.ledger.recall(op);
  }

  /** Applies changes another tracker of a shared swarm made (they are not journaled again). */
  applyRemote(ops: readonly StateOp[], nowMs: number): void {
    const parts = this.replicaParts(nowMs);
    for (const op of ops) applyRemoteOp(op, parts);
    if (ops.some((op) => op.op !== 'heard')) this.changeCount++;
  }

  /**
   * Becomes the whole shared swarm as read again, then takes this tracker's own changes the read
   * could not hold (see RemoteListener.wholeSwarm). Nothing is journaled.
   */
  resyncRemote(whole: readonly StateOp[], unwritten: readonly StateOp[], nowMs: number): void {
    resyncReplica(whole, unwritten, this.replicaParts(nowMs));
    this.changeCount++;
  }

  private replicaParts(nowMs: number): ReplicaParts {
    return {
      registry: this.registry,
      index: this.index,
      ledger: this.ledger,
      via: this.via,
      nowMs,
      wallNowMs: this.clock.wallNow(),
    };
  }

  /** REGISTER: a challenge (binds nothing, stores nothing), or why the id cannot be had. */
  private challenge(request: RegisterMessage, from: RemoteAddress, nowMs: number): HandleResult {
    const events = this.freeDroppedId(request.nodeId, nowMs);
    const answer = answerRegister(
      this.registry,
      request,
      from,
      this.registrationContext(from, nowMs),
    );
    if (!answer.ok) return refuse(events, from, request, answer.code, answer.text);
    return { reply: answer.reply, events, dirty: events.length > 0 };
  }

  /** REGISTER-PROOF: binds the id to the proven key and opens a session. */
  private register(
    request: RegisterProofMessage,
    from: RemoteAddress,
    nowMs: number,
  ): HandleResult {
    const events = this.freeDroppedId(request.nodeId, nowMs);
    const context = this.registrationContext(from, nowMs);
    const outcome = applyProof(this.registry, request, from, nowMs, context);
    if (!outcome.ok) {
      if ('throttled' in outcome) return throttled(from, request);
      return refuse(events, from, request, outcome.code, outcome.text);
    }
    if (outcome.event) {
      events.push(outcome.event);
      this.changeCount++;
      const registered = this.registry.get(request.nodeId);
      if (registered) this.journal.nodeSet(registered, this.clock.wallNow());
      if (this.options.sharedAs) this.via.set(request.nodeId, this.options.sharedAs);
    }
    const heartbeatIntervalMs = heartbeatIntervalForSweep(this.options.sweepIntervalMs);
    return {
      reply: {
        type: 'registered',
        nodeId: request.nodeId,
        token: outcome.token,
        heartbeatIntervalMs,
      },
      events,
      dirty: outcome.event !== null,
    };
  }

  /** A dropped id is free for anyone, even before the sweep removes it. */
  private freeDroppedId(nodeId: number, nowMs: number): TrackerEvent[] {
    const holder = this.registry.get(nodeId);
    if (holder && this.registry.statusOf(holder, nowMs) === 'dropped') {
      return [this.drop(holder, nowMs)];
    }
    return [];
  }

  private registrationContext(from: RemoteAddress, nowMs: number): RegistrationContext {
    return {
      maxNodes: this.maxNodes,
      maxNodesPerHost: this.maxNodesPerHost,
      secrets: this.secrets,
      newToken: () => this.newToken(),
      wallNowMs: this.clock.wallNow(),
      nowMs,
      admit: () => this.budget.take(hostKeyOf(from), nowMs),
      usedChallenges: this.usedChallenges,
    };
  }

  /** Any valid message proves the node is alive; a late node coming back is an event. */
  private hear(node: NodeRecord, nowMs: number, events: TrackerEvent[]): void {
    if (this.registry.statusOf(node, nowMs) !== 'alive' || node.reportedLate) {
      this.changeCount++;
      if (node.reportedLate) {
        events.push({ kind: 'back', nodeId: node.nodeId, silentMs: nowMs - node.lastHeardMs });
      }
    }
    node.lastHeardMs = nowMs;
    node.reportedLate = false;
    this.journal.heard(node.nodeId, this.clock.wallNow());
    if (this.options.sharedAs) this.via.set(node.nodeId, this.options.sharedAs);
  }

  private drop(node: NodeRecord, nowMs: number): TrackerEvent {
    this.journal.nodeDelete(node.nodeId, this.index.ownedBy(node.nodeId));
    this.via.delete(node.nodeId);
    const lost = this.index.removeOwner(node.nodeId);
    this.registry.remove(node.nodeId, nowMs);
    this.changeCount++;
    return { kind: 'dropped', nodeId: node.nodeId, silentMs: nowMs - node.lastHeardMs, ...lost };
  }

  private newToken(): Buffer {
    for (;;) {
      const token = this.randomBytes(TOKEN_BYTES);
      if (this.registry.tokenFree(token)) return token;
    }
  }
}

const ACK: TrackerReply = Object.freeze({ type: 'ack' });

function errorReply(code: TrackerErrorCode, text: string): ErrorMessage {
  return { type: 'error', code, text: truncateUtf8(text, MAX_ERROR_TEXT_BYTES) };
}

/** Over its host's request budget: no answer, one event (summed up in the log). */
function throttled(from: RemoteAddress, request: TrackerRequest): HandleResult {
  return {
    reply: null,
    events: [{ kind: 'throttled', from, request: request.type }],
    dirty: false,
  };
}

function refuse(
  events: TrackerEvent[],
  from: RemoteAddress,
  request: TrackerRequest,
  code: TrackerErrorCode,
  text: string,
): HandleResult {
  const reply = errorReply(code, text);
  events.push({ kind: 'refused', from, request: request.type, code, text: reply.text });
  return { reply, events, dirty: false };
}

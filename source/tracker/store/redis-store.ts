/**
 * The shared store: several trackers serve one swarm through one Redis. Each tracker keeps the
 * whole state in memory as a replica and answers from it; its changes go to Redis in one
 * script per batch (the hash writes of redis-layout.ts, then a numbered publication of the
 * batch: redis-scripts.ts), and every tracker applies the others' batches as they arrive. A
 * starting tracker reads all hashes and the batch number in one MULTI, and skips the publications
 * that number already covers, so no change is applied twice or missed between the read and the
 * subscription.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Clock, TimerHandle } from '../../clock.ts';
import { formatSeconds } from '../../format.ts';
import { DEFAULT_CREDIT_MEMORY_ENTRIES } from '../credit-ledger.ts';
import { plural } from '../events.ts';
import { BatchIds } from './batch-ids.ts';
import { BatchWriter } from './batch-writer.ts';
import { LedgerCopy } from './ledger-copy.ts';
import type { OpBatch, StateOp } from './ops.ts';
import {
  foldHeard,
  hashList,
  ledgerEntry,
  ledgerWrites,
  opsFromSwarm,
  RECENT_BATCHES,
  type RedisKeys,
  type RedisSwarm,
  redisKeys,
  restoreWrites,
  stagedHashes,
  stagedLedger,
  writesFor,
} from './redis-layout.ts';
import {
  argsOf,
  BATCH_SCRIPT,
  batchKeys,
  EXTEND_SCRIPT,
  RELEASE_SCRIPT,
  RESTORE_SCRIPT,
  restoreKeys,
} from './redis-scripts.ts';
import {
  type RecordReader,
  type RemoteListener,
  type StoreLoad,
  TRACKER_SECRET_BYTES,
  type TrackerStore,
} from './tracker-store.ts';

/** Batches reach the other trackers at most this late (their replicas lag by no more). */
const REDIS_BATCH_DELAY_MS = 50;
/** Ops kept while Redis does not take them before heartbeats are folded (memory stays bounded). */
const MAX_PENDING_OPS = 200_000;
/**
 * A write-back sets the batch counter this far past the highest number its tracker has seen, so
 * that every other tracker (which may have seen a batch or two more) finds it written back and
 * does not write it again.
 */
const RESTORE_SEQ_JUMP = 1_000;
/**
 * A write-back holds <p>restoring this long past its last sign of life (each chunk it stages
 * extends it): a tracker that dies while writing back holds the others' writes no longer.
 */
const RESTORE_LOCK_MS = 10_000;
/** Staged copies of the hashes outlive a write-back that died by no more than this. */
const STAGED_TTL_MS = 60_000;
/** A write-back stages this many writes (of FIELDS_PER_WRITE fields) per round trip. */
const STAGED_WRITES_PER_ROUND_TRIP = 16;
/** A write-back waits this long at most for its fence (see fence()) to come back. */
const FENCE_TIMEOUT_MS = 2_000;
/** A Redis that does not answer a start-up read within this long is reported, not waited for. */
const CONNECT_TIMEOUT_MS = 3_000;
/**
 * ...nor one that took the connection and answers nothing (stopped with SIGSTOP, its host hung:
 * the kernel still accepts): the tracker waited for good, silent (found by a session).
 */
const FIRST_ANSWER_TIMEOUT_MS = 5_000;
/**
 * A PING unanswered this long means Redis is out: stopped or hung without the connection
 * closing (see RedisStoreOptions.unansweredMs). Until 2026-12-07 only a closed connection was
 * noticed, and a tracker hearing nothing from the others through a stopped Redis dropped their
 * nodes (found by a session). A PING goes out every third of it while Redis answers.
 */
const DEFAULT_UNANSWERED_MS = 3_000;

/** Options of the Redis store. */
export interface RedisStoreOptions {
  /** redis://HOST:PORT (optionally /DB). */
  url: string;
  clock: Clock;
  /** Where this tracker listens (`host:port`): names it in the batches it publishes. */
  trackerId: string;
  onProblem?: (text: string) => void;
  /** Publications kept in <p>recent (RECENT_BATCHES; a test keeps fewer to miss some). */
  recentBatches?: number;
  /**
   * A PING unanswered this long means Redis is out (default 3 s). A tracker passes less for a
   * short sweep period: the outage must be known before silence drops the others' nodes.
   */
  unansweredMs?: number;
  /**
   * Read the swarm only (`tracker export`): nothing is written, not even the swarm's secret, and
   * a Redis holding no swarm is an error. Until 2026-12-07 an export wrote a secret into any
   * Redis it was pointed at, and printed an empty swarm (found by a session).
   */
  readOnly?: boolean;
}

/** Trackers sharing one swarm through Redis. */
export class RedisStore implements TrackerStore {
  readonly shared = true;
  readonly location: string;
  private readonly keys: RedisKeys = redisKeys();
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly writer: BatchWriter;
  private pending: StateOp[] = [];
  private listener: RemoteListener | null = null;
  /** Publications received before the load finished, applied after it (those it does not cover). */
  private early: Publication[] | null = [];
  /** While the batches this tracker missed are read back: publications that came meanwhile. */
  private catchingUp: Publication[] | null = null;
  /** While the whole swarm is read again: this tracker's changes the read cannot hold. */
  private unwrittenSinceRead: StateOp[] | null = null;
  private readonly recentBatches: number;
  private readonly unansweredMs: number;
  /** The batches taken (and published), by id: see OpBatch.id and BatchIds. */
  private readonly seen = new BatchIds();
  /** What <p>ledger holds, for a write-back to put back (see ledger-copy.ts). */
  private readonly ledger = new LedgerCopy(DEFAULT_CREDIT_MEMORY_ENTRIES);
  private readonly batchNonce = randomBytes(4).toString('hex');
  private batchCount = 0;
  private lastSeq = 0;
  /**
   * The highest batch number seen (loaded, received, published); unlike lastSeq never lowered
   * by a counter that went back: a batch of ours numbered at or below it means Redis went back.
   */
  private highWater = 0;
  private gapReported = false;
  /** The newest connection error, to say why a start-up read failed. */
  private connectionError: Error | null = null;
  /** The swarm's secret as loaded (hex): written back with the swarm if Redis loses it. */
  private secretHex = '';
  /** The live state, for writing the whole swarm back (see restore()). */
  private reader: RecordReader | null = null;
  /** A write found that Redis no longer holds the swarm: the next one writes it back. */
  private lostSwarm = false;
  /** Names this tracker in <p>restoring while it writes the swarm back. */
  private readonly restoreToken: string;
  /** The holder of <p>restoring this tracker's writes last waited for (reported once). */
  private waitingFor: string | null = null;
  /** Set while a write-back waits for its fence (see fence()). */
  private fenceBack: (() => void) | null = null;
  /** The connection was ready once and is now lost (one line per outage). */
  private disconnected = false;
  /** When (the tracker's clock) the connection was lost; null while it is up. */
  private disconnectedAtMs: number | null = null;
  /** When the PING not yet answered was sent; null when none is. */
  private probeSentMs: number | null = null;
  /** The unanswered PING was reported (one line when it starts, one when it ends). */
  private silenceReported = false;
  private probeTimer: TimerHandle | null = null;
  private loaded = false;
  /** close() was called: the connection ends on purpose. */
  private closing = false;

  constructor(private readonly options: RedisStoreOptions) {
    this.location = options.url;
    this.recentBatches = options.recentBatches ?? RECENT_BATCHES;
    this.unansweredMs = options.unansweredMs ?? DEFAULT_UNANSWERED_MS;
    this.restoreToken = `${options.trackerId} ${this.batchNonce}`;
    const redisOptions = {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: 2,
    };
    this.client = new Redis(options.url, redisOptions);
    this.subscriber = new Redis(options.url, redisOptions);
    // ioredis reports connection trouble as 'error' events; without a listener they would be
    // unhandled. The batch writer reports failed writes as one line per streak.
    const remember = (error: Error) => {
      this.connectionError = error;
    };
    this.client.on('error', remember);
    this.subscriber.on('error', remember);
    // Publications are not kept for a subscriber that is reconnecting: once it is back, what it
    // missed is read from <p>recent (ioredis subscribes again on its own).
    let subscriberLost = false;
    this.subscriber.on('close', () => {
      if (this.loaded && !this.closing) subscriberLost = true;
    });
    this.subscriber.on('ready', () => {
      if (!subscriberLost) return;
      subscriberLost = false;
      if (this.catchingUp === null && this.early === null) this.catchUp([]);
    });
    // An outage is one line when it starts and one when it ends: before, a tracker said nothing
    // while its changes waited for a Redis that had gone (found by hand).
    this.client.on('close', () => {
      if (!this.loaded || this.disconnected || this.closing) return;
      this.disconnected = true;
      this.disconnectedAtMs = options.clock.now();
      options.onProblem?.(
        `lost the connection to ${options.url}; changes are kept and written once it is back`,
      );
    });
    this.client.on('ready', () => {
      if (!this.disconnected) return;
      this.disconnected = false;
      this.disconnectedAtMs = null;
      options.onProblem?.(`${options.url} is back`);
      // Whatever came meanwhile goes now (a failed write waits for the next change otherwise).
      if (this.pending.length > 0) this.writer.schedule();
    });
    this.writer = new BatchWriter({
      clock: options.clock,
      delayMs: REDIS_BATCH_DELAY_MS,
      write: () => this.writePending(),
      hasPending: () => this.hasPending(),
      onProblem: options.onProblem,
      location: options.url,
    });
  }

  get writes(): number {
    return this.writer.writes;
  }

  /**
   * Since when (the tracker's clock) Redis is out: the connection lost, or a PING unanswered
   * for unansweredMs; null while it answers. What other trackers heard meanwhile waits in them.
   */
  get outageSinceMs(): number | null {
    if (this.disconnectedAtMs !== null) return this.disconnectedAtMs;
    const sent = this.probeSentMs;
    if (sent !== null && this.options.clock.now() - sent >= this.unansweredMs) return sent;
    return null;
  }

  async load(wallNowMs: number): Promise<StoreLoad> {
    try {
      const loaded = await this.read(wallNowMs);
      this.probe();
      return loaded;
    } catch (error) {
      // ioredis reports a refused connection as 'Connection is closed'; the event said why.
      const cause = this.connectionError ?? (error as Error);
      throw new Error(`${cause.message}${hintFor(cause)}`);
    }
  }

  private async read(_wallNowMs: number): Promise<StoreLoad> {
    await firstAnswer(
      (async () => {
        await Promise.all([this.client.connect(), this.subscriber.connect()]);
        await this.subscriber.subscribe(this.keys.channel);
        if (this.options.readOnly) return;
        await this.client.hsetnx(
          this.keys.meta,
          'secret',
          randomBytes(TRACKER_SECRET_BYTES).toString('hex'),
        );
      })(),
    );
    this.subscriber.on('message', (_channel: string, message: string) => this.onMessage(message));
    const read = await this.readSwarm();
    // Every tracker sets the secret first: without it no tracker has used this Redis.
    if (this.options.readOnly && read.secretHex === null)
      throw Object.assign(new Error('no swarm there (no bt-tui tracker has used it)'), {
        code: 'ENOSWARM',
      });
    this.loaded = true;
    this.secretHex = read.secretHex ?? '';
    const { ops, malformed } = this.takeRead(read);
    const notes =
      malformed > 0 ? [`${malformed} malformed entries in ${this.location} left out`] : [];
    notes.push(
      `shared store ${this.location}: ${Object.keys(read.swarm.nodes).length} nodes, ${Object.keys(read.swarm.owners).length} ownerships, batch ${this.lastSeq}`,
    );
    return {
      persisted: { nodes: [], files: [] },
      ops,
      // Redis keeps credits as sums and ranks only in the ledger: it is replayed in `ops`.
      credited: [],
      trackerSecret: Buffer.from(this.secretHex, 'hex'),
      notes,
    };
  }

  /**
   * The whole swarm and the batch number it is at, in one MULTI. Sent before this returns its
   * promise: every write sent before it is in what it reads, none sent after.
   */
  private async readSwarm(): Promise<SwarmRead> {
    const results = await this.client
      .multi()
      .get(this.keys.seq)
      .hgetall(this.keys.nodes)
      .hgetall(this.keys.credits)
      .hgetall(this.keys.sessions)
      .hgetall(this.keys.heard)
      .hgetall(this.keys.owners)
      .lrange(this.keys.ledger, 0, -1)
      .hget(this.keys.meta, 'secret')
      .lrange(this.keys.recent, 0, -1)
      .exec();
    if (!results) throw new Error('the read of the swarm was aborted');
    const failed = results.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
    const values = results.map(([, value]) => value);
    return {
      seq: Number(values[0] ?? 0),
      swarm: {
        nodes: values[1] as Record<string, string>,
        credits: values[2] as Record<string, string>,
        sessions: values[3] as Record<string, string>,
        heard: values[4] as Record<string, string>,
        owners: values[5] as Record<string, string>,
        ledger: values[6] as string[],
      },
      secretHex: values[7] === null ? null : String(values[7]),
      recent: values[8] as string[],
    };
  }

  /** Goes on from a read's batch number; the ops that rebuild its swarm in an empty state. */
  private takeRead(read: SwarmRead): { ops: StateOp[]; malformed: number } {
    this.lastSeq = read.seq;
    this.highWater = Math.max(this.highWater, read.seq);
    this.gapReported = false;
    this.ledger.replace(read.swarm.ledger);
    // What the hashes just read hold already: a catch-up later must not apply it again.
    for (const message of read.recent) {
      const publication = parsePublication(message);
      if (publication?.batch.id !== undefined && publication.seq <= read.seq)
        this.seen.add(publication.batch.id);
    }
    return opsFromSwarm(read.swarm);
  }

  record(batch: OpBatch, reader: RecordReader): void {
    this.reader = reader;
    for (const op of batch.ops) this.pending.push(op);
    if (this.unwrittenSinceRead) for (const op of batch.ops) this.unwrittenSinceRead.push(op);
    // While Redis is away heartbeats pile up: keep each node once.
    if (this.pending.length > MAX_PENDING_OPS) this.pending = foldHeard(this.pending);
    if (this.pending.length > 0) this.writer.schedule();
  }

  /** Other trackers' batches, in publication order; those before the load are left out. */
  onRemote(listener: RemoteListener): void {
    this.listener = listener;
    const early = this.early ?? [];
    this.early = null;
    for (const publication of early) {
      // One past a gap starts a catch-up: the rest wait behind it, in order.
      if (this.catchingUp) this.catchingUp.push(publication);
      else this.deliver(publication.seq, publication.batch, false);
    }
  }

  /**
   * Once Redis has the changes; at once while it is known out (the connection lost, or it does
   * not answer): they stay pending and are written when it is back, as after a failed write.
   * Why: a write tried meanwhile fails only once ioredis has given up reconnecting for it,
   * seconds later as its back-off grows, and every change a node asked for waited that long
   * (found by hand: an OWN acknowledged 10 s late, after the node had sent it four times); to a
   * stopped Redis it never ended, and no node was answered at all (found by a session).
   */
  afterPendingWritten(): Promise<void> {
    if (this.outageSinceMs !== null) return Promise.resolve();
    return this.writer.afterPendingWritten();
  }

  /**
   * At once while the connection is known lost, as afterPendingWritten: a write tried then, and
   * a QUIT, each wait out ioredis's reconnection retries, and a tracker stopped by hand with its
   * Redis gone took 24 s to stop (found by hand). What is pending is lost either way.
   */
  flush(): Promise<boolean> {
    if (this.outageSinceMs !== null)
      return Promise.resolve(!this.hasPending() && !this.writer.writing);
    return this.writer.flush();
  }

  async close(): Promise<void> {
    if (this.probeTimer !== null) this.options.clock.clearTimeout(this.probeTimer);
    this.probeTimer = null;
    await this.flush();
    this.closing = true;
    this.subscriber.disconnect();
    // A QUIT is answered only by a Redis that answers: one never loaded, or out, is left.
    if (!this.loaded || this.outageSinceMs !== null) this.client.disconnect();
    else await this.client.quit().catch(() => this.client.disconnect());
  }

  /** Sends a PING every third of unansweredMs unless one is unanswered; says when one stays so. */
  private probe(): void {
    const { clock, onProblem, url } = this.options;
    const tick = () => {
      if (this.closing) return;
      const nowMs = clock.now();
      const sent = this.probeSentMs;
      if (sent !== null) {
        if (!this.silenceReported && !this.disconnected && nowMs - sent >= this.unansweredMs) {
          this.silenceReported = true;
          onProblem?.(
            `${url} does not answer (nothing for ${formatSeconds(nowMs - sent, 1)}: stopped, or its host hung?); changes are kept and written once it answers`,
          );
        }
      } else if (!this.disconnected) {
        this.probeSentMs = nowMs;
        this.client.ping().then(
          () => {
            if (this.silenceReported && !this.closing)
              onProblem?.(`${url} answers again, after ${formatSeconds(clock.now() - nowMs, 1)}`);
            this.silenceReported = false;
            this.probeSentMs = null;
          },
          () => {
            // The connection closed under it: that outage is the disconnection's to report.
            this.silenceReported = false;
            this.probeSentMs = null;
          },
        );
      }
      this.probeTimer?.refresh();
    };
    this.probeTimer = clock.setTimeout(tick, Math.max(1, Math.round(this.unansweredMs / 3)));
    this.probeTimer.unref?.();
  }

  private hasPending(): boolean {
    return this.pending.length > 0 || this.lostSwarm;
  }

  private async writePending(): Promise<void> {
    if (this.lostSwarm && (await this.restore()) !== 'not needed') return;
    // Still held: a batch sent now would be refused (and a long one sent again and again).
    if (this.waitingFor !== null && (await this.client.exists(this.keys.restoring)) === 1) return;
    const ops = foldHeard(this.pending);
    this.pending = [];
    await this.writeBatch(ops);
  }

  /**
   * Writes a batch and publishes it (BATCH_SCRIPT). Refused because Redis lost the swarm, or
   * while another tracker writes it back, it writes nothing and the batch waits, pending, ahead
   * of what came since: a batch written into the emptied hashes would be replaced by the
   * write-back, or its credits counted twice when written again.
   */
  private async writeBatch(ops: StateOp[]): Promise<void> {
    const batch = this.newBatch(ops);
    const writes = writesFor(batch, this.keys, DEFAULT_CREDIT_MEMORY_ENTRIES);
    const leading = [JSON.stringify(batch), this.recentBatches, this.restoreToken];
    // Every number seen so far was given before this batch's: a number not past them went back.
    const seenBefore = this.highWater;
    let reply: ScriptReply;
    try {
      const keys = batchKeys(this.keys);
      const args = argsOf([BATCH_SCRIPT, keys.length, ...keys, ...leading], writes);
      reply = (await this.client.call('eval', args)) as ScriptReply;
    } catch (error) {
      this.pending = [...ops, ...this.pending];
      throw inOurWords(error);
    }
    const [published, outcome, holder] = reply;
    if (outcome !== 'ok') {
      this.pending = [...ops, ...this.pending];
      if (outcome === 'restoring') this.reportWaiting(holder ?? '');
      else if (!this.lostSwarm) {
        // The next write (at once: the writer sees it pending) writes the swarm back.
        this.lostSwarm = true;
        this.options.onProblem?.(
          `${this.location} no longer holds the swarm (restarted without its data, or flushed): a tracker of the swarm writes back the one it holds`,
        );
      }
      return;
    }
    this.waitingFor = null;
    this.highWater = Math.max(this.highWater, published);
    this.copyCredits(ops);
    if (published <= seenBefore && !this.lostSwarm) {
      // Its secret is there, so Redis came back with a copy saved before (an RDB snapshot or an
      // AOF that lost its tail): nodes and owners since are missing, some gone are back.
      this.lostSwarm = true;
      this.options.onProblem?.(
        `${this.location} went back to an older copy of the swarm (batch ${published} after ${seenBefore}; restarted from a snapshot?): a tracker of the swarm writes back the one it holds`,
      );
    }
  }

  /**
   * Redis lost the swarm (restarted without its data, or flushed) or went back to an older copy
   * of it (restarted from a snapshot): writes back the whole state this tracker holds, with the
   * pending batch, unless another tracker of the swarm does or did (the secret is there and the
   * counter past this tracker's high water). One tracker at a time: <p>restoring, taken with NX,
   * holds every other tracker's writes until the write-back is in, the credit ledger with it.
   */
  private async restore(): Promise<'restored' | 'waiting' | 'not needed'> {
    const reader = this.reader;
    if (!reader) {
      // Nothing recorded yet, so nothing held to write back (and no write loop on the flag).
      this.lostSwarm = false;
      return 'not needed';
    }
    const { restoring } = this.keys;
    const token = this.restoreToken;
    if ((await this.client.set(restoring, token, 'PX', RESTORE_LOCK_MS, 'NX')) === null) {
      const holder = await this.client.get(restoring);
      // Let go just now: the next write looks again.
      if (holder !== null) this.reportWaiting(holder);
      return 'waiting';
    }
    try {
      const [held, counter] = await Promise.all([
        this.client.hexists(this.keys.meta, 'secret'),
        this.client.get(this.keys.seq),
      ]);
      // Written back by another tracker meanwhile: its publication, come while this one took
      // the lock, cleared the loss and raised the high water to the counter. Until 2026-12-07
      // that counter then read as not past it, and under load both trackers wrote the swarm
      // back (redis-store.test.ts, seen in CI).
      if (!this.lostSwarm || (held && Number(counter ?? 0) > this.highWater)) {
        this.lostSwarm = false;
        return 'not needed';
      }
      await this.fence();
      return await this.writeBack(reader);
    } finally {
      // Done, or failed: the others may write (or write back) again at once.
      await this.client.eval(RELEASE_SCRIPT, 1, restoring, token).catch(() => {});
    }
  }

  /**
   * The write-back itself, under the lock: the state is built in staged copies of the hashes,
   * a round trip per chunk (the tracker goes on answering meanwhile: built in one MULTI, a
   * swarm of 42,000 nodes stopped its event loop for 5.8 s, and ~2,000 nodes were reported late),
   * then RESTORE_SCRIPT puts them in place with the pending batch in one step. Changes recorded
   * meanwhile stay pending and follow as ordinary batches.
   */
  private async writeBack(reader: RecordReader): Promise<'restored' | 'waiting'> {
    const ops = foldHeard(this.pending);
    this.pending = [];
    const pendingCredits = new Map<number, number>();
    for (const op of ops) {
      if (op.op !== 'credit') continue;
      for (const { nodeId, bytes } of op.granted)
        pendingCredits.set(nodeId, (pendingCredits.get(nodeId) ?? 0) + bytes);
    }
    const state = reader.stateAsOps(this.options.clock.now());
    const staged = stagedHashes(this.keys, this.batchNonce);
    const stagedLedgerKey = stagedLedger(this.keys, this.batchNonce);
    const stagedKeys = [...hashList(staged), stagedLedgerKey];
    const { restoring } = this.keys;
    try {
      await this.client.del(...stagedKeys);
      let chunk = this.client.pipeline();
      let queued = 0;
      const send = async () => {
        chunk.eval(EXTEND_SCRIPT, 1, restoring, this.restoreToken, RESTORE_LOCK_MS);
        for (const key of stagedKeys) chunk.pexpire(key, STAGED_TTL_MS);
        const results = (await chunk.exec()) ?? [];
        const failed = results.find(([error]) => error);
        if (failed) throw failed[0];
        chunk = this.client.pipeline();
        queued = 0;
      };
      const stagedWrites = [
        restoreWrites(state, pendingCredits, staged, this.options.trackerId),
        ledgerWrites(stagedLedgerKey, this.ledger.inOrder()),
      ];
      for (const writes of stagedWrites) {
        for (const [command, ...args] of writes) {
          chunk.call(command, ...args);
          if (++queued === STAGED_WRITES_PER_ROUND_TRIP) await send();
        }
      }
      await send();
      const batch = this.newBatch(ops);
      batch.restored = true;
      const writes = writesFor(batch, this.keys, DEFAULT_CREDIT_MEMORY_ENTRIES);
      const leading = [
        JSON.stringify(batch),
        this.recentBatches,
        this.restoreToken,
        this.secretHex,
        this.highWater + RESTORE_SEQ_JUMP,
      ];
      const keys = restoreKeys(this.keys, staged, stagedLedgerKey);
      const args = argsOf([RESTORE_SCRIPT, keys.length, ...keys, ...leading], writes);
      const [published, outcome] = (await this.client.call('eval', args)) as ScriptReply;
      if (outcome !== 'ok') {
        // The lock ran out (this tracker did not run for seconds): the next write looks again.
        this.pending = [...ops, ...this.pending];
        await this.client.del(...stagedKeys);
        return 'waiting';
      }
      this.highWater = Math.max(this.highWater, published);
      this.copyCredits(ops);
    } catch (error) {
      this.pending = [...ops, ...this.pending];
      throw error;
    }
    this.lostSwarm = false;
    this.waitingFor = null;
    const nodes = state.filter((op) => op.op === 'node-set').length;
    this.options.onProblem?.(
      `wrote the swarm this tracker holds back to ${this.location}: ${plural(nodes, 'node')}, ${plural(state.length - nodes, 'ownership')}`,
    );
    return 'restored';
  }

  /**
   * Resolves once every publication sent before now has reached this tracker (or after
   * FENCE_TIMEOUT_MS): one channel's messages arrive in order, so the fence published now comes
   * after them. A write-back under the lock (no batch is published meanwhile) then holds every
   * batch Redis took before it, including those of other trackers into an older copy.
   */
  private async fence(): Promise<void> {
    // Real time, not the tracker's clock: how long Redis takes to answer.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, FENCE_TIMEOUT_MS);
    });
    const back = new Promise<void>((resolve) => {
      this.fenceBack = resolve;
    });
    const passed = (async () => {
      // Subscribed first: after a reconnect ioredis subscribes again only once the connection is
      // ready, and a fence published before that never came back (by hand, Redis restarted
      // from a snapshot under 42,000 nodes: the write-back waited out the whole timeout).
      await this.subscriber.subscribe(this.keys.channel);
      await this.client.publish(this.keys.channel, fenceMessage(this.restoreToken));
      await back;
    })().catch(() => {});
    await Promise.race([passed, timedOut]);
    clearTimeout(timer);
    this.fenceBack = null;
  }

  /** One line per tracker that holds this one's writes while it writes the swarm back. */
  private reportWaiting(holder: string): void {
    if (holder === this.waitingFor) return;
    this.waitingFor = holder;
    const [trackerId = holder] = holder.split(' ');
    this.options.onProblem?.(
      `${trackerId} is writing the swarm back to ${this.location}: this tracker's changes wait for it`,
    );
  }

  private newBatch(ops: StateOp[]): OpBatch {
    return {
      trackerId: this.options.trackerId,
      ops,
      id: `${this.batchNonce}-${++this.batchCount}`,
    };
  }

  private onMessage(message: string): void {
    if (message === fenceMessage(this.restoreToken)) {
      this.fenceBack?.();
      return;
    }
    const publication = parsePublication(message);
    if (publication === null) return;
    if (this.early) this.early.push(publication);
    else if (this.catchingUp) this.catchingUp.push(publication);
    else this.deliver(publication.seq, publication.batch);
  }

  /**
   * Takes again, from <p>recent, the batches published after the last one this tracker took or
   * loaded (all of them when it knows none: Redis lost them, or it was away longer than they are
   * kept), in order, then `queued` and what comes meanwhile. Numbers cannot say which: after
   * Redis went back they repeat, so batches are known by id. What is no longer kept is reported
   * as missed.
   */
  private catchUp(queued: Publication[]): void {
    this.catchingUp = queued;
    void this.client
      .lrange(this.keys.recent, 0, -1)
      .then(
        (messages) => {
          const kept = messages.map(parsePublication).filter((p): p is Publication => p !== null);
          let start = -1;
          for (let index = kept.length - 1; index >= 0; index--) {
            const { id } = kept[index]!.batch;
            if (id !== undefined && this.seen.has(id)) {
              start = index + 1;
              break;
            }
          }
          const oldest = kept[0];
          if (start < 0 && oldest && oldest.seq > this.lastSeq + 1 && !oldest.batch.restored) {
            // Batches this tracker has not seen were trimmed already.
            return this.readWhole();
          }
          let taken = 0;
          for (const { seq, batch } of kept.slice(Math.max(0, start))) {
            if (batch.trackerId !== this.options.trackerId) taken++;
            this.deliver(seq, batch, true, false);
          }
          if (taken > 0)
            this.options.onProblem?.(
              `took ${plural(taken, 'batch')} of other trackers again from ${this.location}, published while this tracker was not listening`,
            );
        },
        () => {},
      )
      .finally(() => {
        const rest = this.catchingUp ?? [];
        this.catchingUp = null;
        for (const { seq, batch } of rest) this.deliver(seq, batch, true, false);
      });
  }

  /**
   * Reads the whole swarm again, as at start, for a tracker that missed more batches than
   * <p>recent keeps (RemoteListener.wholeSwarm), with its own changes the read cannot hold: those
   * not sent to Redis before it. Failed (Redis away), the publications that came meanwhile are
   * dropped, not applied past the gap: the next one starts it again.
   */
  private async readWhole(): Promise<void> {
    if (this.lostSwarm) return;
    const unwritten = [...this.pending];
    this.unwrittenSinceRead = unwritten;
    try {
      const read = await this.readSwarm();
      const { ops } = this.takeRead(read);
      this.options.onProblem?.(
        `missed more batches of other trackers than ${this.location} keeps (${this.recentBatches}): read the whole swarm again, ${plural(Object.keys(read.swarm.nodes).length, 'node')} at batch ${read.seq}`,
      );
      this.listener?.wholeSwarm(ops, unwritten);
    } catch (error) {
      this.catchingUp = [];
      this.options.onProblem?.(
        `missed batches of other trackers, and could not read the whole swarm from ${this.location} again (${(error as Error).message}); trying again with the next batch`,
      );
    } finally {
      this.unwrittenSinceRead = null;
    }
  }

  /**
   * A publication that came live (`early` ones are sorted out against the load first). One
   * numbered past the next starts a catch-up (see catchUp) unless `mayCatchUp` is false.
   */
  private deliver(seq: number, batch: OpBatch, live = true, mayCatchUp = true): void {
    // Published before the load read the swarm, so already in it.
    if (!live && seq <= this.lastSeq) return;
    // Taken already (a catch-up and the channel both had it).
    if (batch.id !== undefined && this.seen.has(batch.id)) return;
    if (mayCatchUp && batch.restored !== true && seq > this.lastSeq + 1) {
      this.catchUp([{ seq, batch }]);
      return;
    }
    if (batch.id !== undefined) this.seen.add(batch.id);
    this.highWater = Math.max(this.highWater, seq);
    if (batch.restored === true) {
      // A write-back: its number jumped on purpose (RESTORE_SEQ_JUMP); nothing was missed. One
      // by another tracker, after this one found the loss: nothing left for this one to write.
      this.lastSeq = seq - 1;
      if (batch.trackerId !== this.options.trackerId) {
        this.lostSwarm = false;
        this.waitingFor = null;
        this.options.onProblem?.(`${batch.trackerId} wrote the swarm back to ${this.location}`);
      }
    } else if (seq <= this.lastSeq) {
      // Publications come in the order Redis numbered them: a number that goes back means the
      // counter was lost with Redis's data. Before, every batch up to the old number was
      // dropped, and this tracker's copy of the swarm parted from the others' for good
      // (found by hand: a file seeded through one tracker was unknown to the other).
      this.options.onProblem?.(
        `${this.location} numbers batches from ${seq} again (after ${this.lastSeq}): it lost its data or went back to an older copy`,
      );
      this.lastSeq = seq - 1;
    }
    if (seq > this.lastSeq + 1 && !this.gapReported) {
      // Not expected: a catch-up takes the batches from <p>recent or reads the whole swarm.
      this.gapReported = true;
      this.options.onProblem?.(
        `missed ${seq - this.lastSeq - 1} batches of other trackers from ${this.location} (it keeps the last ${this.recentBatches}); this tracker's view may lag until it restarts`,
      );
    }
    this.lastSeq = seq;
    if (batch.trackerId === this.options.trackerId) return;
    this.copyCredits(batch.ops);
    this.listener?.batch(batch);
  }

  /** Credits Redis took into <p>ledger (this tracker's when written, others' when they come). */
  private copyCredits(ops: readonly StateOp[]): void {
    for (const op of ops) if (op.op === 'credit') this.ledger.add(ledgerEntry(op));
  }
}

/**
 * ioredis's error for a command it gave up on while reconnecting, said as what it means here:
 * the log read `Reached the max retries per request limit (which is 2). Refer to
 * "maxRetriesPerRequest" option for details.` (found by a session).
 */
export function inOurWords(error: unknown): unknown {
  if ((error as Error | null)?.name !== 'MaxRetriesPerRequestError') return error;
  return new Error(
    'the connection is down and the write gave up waiting for it; changes are kept and written once it is back',
  );
}

/** Resolves as `work` does, or rejects once it has not within FIRST_ANSWER_TIMEOUT_MS. */
async function firstAnswer(work: Promise<void>): Promise<void> {
  // Real time, not the tracker's clock: how long Redis takes to answer.
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        Object.assign(
          new Error(
            `it took the connection but answered nothing in ${FIRST_ANSWER_TIMEOUT_MS / 1000} s (stopped, or not a Redis?)`,
          ),
          { code: 'ETIMEDOUT' },
        ),
      );
    }, FIRST_ANSWER_TIMEOUT_MS);
  });
  work.catch(() => {});
  try {
    await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** What to look at, after an error at start: only where nothing answered at all. */
function hintFor(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ETIMEDOUT' || code === 'ENOSWARM') return '';
  // A refusal or an unreachable host is an error with a code; a Redis error (WRONGPASS, NOAUTH,
  // MISCONF) is Redis answering: "is it running?" was wrong there (found by a session).
  if (code === undefined && !/Connection is closed/.test(error.message)) return '';
  return ' (is redis-server running there?)';
}

/** The whole swarm as one MULTI read it. */
interface SwarmRead {
  seq: number;
  swarm: RedisSwarm;
  /** Null where no tracker has set it: no swarm was ever kept there. */
  secretHex: string | null;
  /** <p>recent at the read: the batches its hashes hold already are known by id. */
  recent: string[];
}

/** What BATCH_SCRIPT and RESTORE_SCRIPT answer: [seq, outcome, the lock's holder]. */
type ScriptReply = [number, 'ok' | 'lost' | 'restoring' | 'unlocked', string?];

/** Published by a write-back to know when what came before it has arrived (see fence()). */
const fenceMessage = (token: string) => `fence ${token}`;

/** A batch as published: its number and what it holds. */
interface Publication {
  seq: number;
  batch: OpBatch;
}

/** "<seq> <batch JSON>", as published and kept in <p>recent; null when malformed. */
function parsePublication(message: string): Publication | null {
  const space = message.indexOf(' ');
  const seq = Number(message.slice(0, space));
  if (space < 0 || !Number.isSafeInteger(seq)) return null;
  try {
    return { seq, batch: JSON.parse(message.slice(space + 1)) as OpBatch };
  } catch {
    return null;
  }
}

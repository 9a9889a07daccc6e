/**
 * The shared store: several trackers serve one swarm through one Redis. Each tracker keeps the
 * whole state in memory as a replica and answers from it; its changes go to Redis in one
 * MULTI per batch (the hash writes of redis-layout.ts, then a numbered publication of the
 * batch), and every tracker applies the others' batches as they arrive. A starting tracker reads
 * all hashes and the batch number in one MULTI, and skips the publications that number already
 * covers, so no change is applied twice or missed between the read and the subscription.
 */
import { randomBytes } from 'node:crypto';
import { type ChainableCommander, Redis } from 'ioredis';
import type { Clock } from '../../clock.ts';
import { DEFAULT_CREDIT_MEMORY_ENTRIES } from '../credit-ledger.ts';
import { plural } from '../events.ts';
import { BatchWriter } from './batch-writer.ts';
import type { OpBatch, StateOp } from './ops.ts';
import {
  foldHeard,
  opsFromSwarm,
  type RedisKeys,
  type RedisSwarm,
  redisKeys,
  restoreWrites,
  writesFor,
} from './redis-layout.ts';
import {
  type RecordReader,
  type StoreLoad,
  TRACKER_SECRET_BYTES,
  type TrackerStore,
} from './tracker-store.ts';

/** Batches reach the other trackers at most this late (their replicas lag by no more). */
const REDIS_BATCH_DELAY_MS = 50;
/**
 * Numbers the batch and publishes it, atomically with the MULTI's writes before it; returns the
 * number and whether the store still holds the swarm (its secret, written at the first start of
 * any tracker and never deleted: gone, Redis lost its data).
 */
const PUBLISH_SCRIPT =
  "local seq = redis.call('INCR', KEYS[1]); redis.call('PUBLISH', KEYS[2], seq .. ' ' .. ARGV[1]); return {seq, redis.call('HEXISTS', KEYS[3], 'secret')}";
/** Ops kept while Redis does not take them before heartbeats are folded (memory stays bounded). */
const MAX_PENDING_OPS = 200_000;
/** A Redis that does not answer a start-up read within this long is reported, not waited for. */
const CONNECT_TIMEOUT_MS = 3_000;

/** Options of the Redis store. */
export interface RedisStoreOptions {
  /** redis://HOST:PORT (optionally /DB). */
  url: string;
  clock: Clock;
  /** Where this tracker listens (`host:port`): names it in the batches it publishes. */
  trackerId: string;
  onProblem?: (text: string) => void;
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
  private listener: ((batch: OpBatch) => void) | null = null;
  /** Publications received before the load finished, applied after it (those it does not cover). */
  private early: { seq: number; batch: OpBatch }[] | null = [];
  private lastSeq = 0;
  private gapReported = false;
  /** The newest connection error, to say why a start-up read failed. */
  private connectionError: Error | null = null;
  /** The swarm's secret as loaded (hex): written back with the swarm if Redis loses it. */
  private secretHex = '';
  /** The live state, for writing the whole swarm back (see restore()). */
  private reader: RecordReader | null = null;
  /** A write found that Redis no longer holds the swarm: the next one writes it back. */
  private lostSwarm = false;
  /** The connection was ready once and is now lost (one line per outage). */
  private disconnected = false;
  private loaded = false;
  /** close() was called: the connection ends on purpose. */
  private closing = false;

  constructor(private readonly options: RedisStoreOptions) {
    this.location = options.url;
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
    // An outage is one line when it starts and one when it ends: before, a tracker said nothing
    // while its changes waited for a Redis that had gone (found by hand).
    this.client.on('close', () => {
      if (!this.loaded || this.disconnected || this.closing) return;
      this.disconnected = true;
      options.onProblem?.(
        `lost the connection to ${options.url}; changes are kept and written once it is back`,
      );
    });
    this.client.on('ready', () => {
      if (!this.disconnected) return;
      this.disconnected = false;
      options.onProblem?.(`${options.url} is back`);
      // Whatever came meanwhile goes now (a failed write waits for the next change otherwise).
      if (this.pending.length > 0) this.writer.schedule();
    });
    this.writer = new BatchWriter({
      clock: options.clock,
      delayMs: REDIS_BATCH_DELAY_MS,
      write: () => this.writePending(),
      hasPending: () => this.pending.length > 0 || this.lostSwarm,
      onProblem: options.onProblem,
      location: options.url,
    });
  }

  get writes(): number {
    return this.writer.writes;
  }

  async load(wallNowMs: number): Promise<StoreLoad> {
    try {
      return await this.read(wallNowMs);
    } catch (error) {
      // ioredis reports a refused connection as 'Connection is closed'; the event said why.
      const cause = this.connectionError ?? (error as Error);
      throw new Error(`${cause.message} (is redis-server running there?)`);
    }
  }

  private async read(_wallNowMs: number): Promise<StoreLoad> {
    await Promise.all([this.client.connect(), this.subscriber.connect()]);
    this.subscriber.on('message', (_channel: string, message: string) => this.onMessage(message));
    await this.subscriber.subscribe(this.keys.channel);
    await this.client.hsetnx(
      this.keys.meta,
      'secret',
      randomBytes(TRACKER_SECRET_BYTES).toString('hex'),
    );
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
      .exec();
    if (!results) throw new Error('the start-up read was aborted');
    const failed = results.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
    const values = results.map(([, value]) => value);
    this.loaded = true;
    this.secretHex = String(values[7]);
    const swarm: RedisSwarm = {
      nodes: values[1] as Record<string, string>,
      credits: values[2] as Record<string, string>,
      sessions: values[3] as Record<string, string>,
      heard: values[4] as Record<string, string>,
      owners: values[5] as Record<string, string>,
      ledger: values[6] as string[],
    };
    this.lastSeq = Number(values[0] ?? 0);
    const { ops, malformed } = opsFromSwarm(swarm);
    const notes =
      malformed > 0 ? [`${malformed} malformed entries in ${this.location} left out`] : [];
    notes.push(
      `shared store ${this.location}: ${Object.keys(swarm.nodes).length} nodes, ${Object.keys(swarm.owners).length} ownerships, batch ${this.lastSeq}`,
    );
    return {
      persisted: { nodes: [], files: [] },
      ops,
      // Redis keeps credits as sums and ranks only in the ledger: it is replayed in `ops`.
      credited: [],
      trackerSecret: Buffer.from(String(values[7]), 'hex'),
      notes,
    };
  }

  record(batch: OpBatch, reader: RecordReader): void {
    this.reader = reader;
    for (const op of batch.ops) this.pending.push(op);
    // While Redis is away heartbeats pile up: keep each node once.
    if (this.pending.length > MAX_PENDING_OPS) this.pending = foldHeard(this.pending);
    if (this.pending.length > 0) this.writer.schedule();
  }

  /** Other trackers' batches, in publication order; those before the load are left out. */
  onRemote(listener: (batch: OpBatch) => void): void {
    this.listener = listener;
    const early = this.early ?? [];
    this.early = null;
    for (const { seq, batch } of early) this.deliver(seq, batch, false);
  }

  /**
   * Once Redis has the changes; at once while the connection is known lost: they stay pending
   * and are written when it is back, as after a failed write. Why: a write tried meanwhile
   * fails only once ioredis has given up reconnecting for it, seconds later as its back-off
   * grows, and every change a node asked for waited that long (found by hand: an OWN acknowledged
   * 10 s late, after the node had sent it four times).
   */
  afterPendingWritten(): Promise<void> {
    if (this.disconnected) return Promise.resolve();
    return this.writer.afterPendingWritten();
  }

  flush(): Promise<boolean> {
    return this.writer.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    this.closing = true;
    this.subscriber.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private async writePending(): Promise<void> {
    if (this.lostSwarm && (await this.restore())) return;
    const ops = foldHeard(this.pending);
    this.pending = [];
    const multi = this.client.multi();
    await this.execWithBatch(multi, ops);
  }

  /**
   * Redis lost the swarm (restarted without its data, or flushed): writes back the whole state
   * this tracker holds, with the pending batch, in one MULTI, unless another tracker of the
   * swarm did first (the secret is back: WATCH makes the check and the write one step). True
   * when this tracker wrote it. Not written back: the credit ledger (which UPDATEs were already
   * credited), which starts again from the UPDATEs that come after.
   */
  private async restore(): Promise<boolean> {
    const reader = this.reader;
    if (!reader) {
      // Nothing recorded yet, so nothing held to write back (and no write loop on the flag).
      this.lostSwarm = false;
      return false;
    }
    await this.client.watch(this.keys.meta);
    if (await this.client.hexists(this.keys.meta, 'secret')) {
      await this.client.unwatch();
      this.lostSwarm = false;
      return false;
    }
    const ops = foldHeard(this.pending);
    this.pending = [];
    const pendingCredits = new Map<number, number>();
    for (const op of ops) {
      if (op.op !== 'credit') continue;
      for (const { nodeId, bytes } of op.granted)
        pendingCredits.set(nodeId, (pendingCredits.get(nodeId) ?? 0) + bytes);
    }
    const state = reader.stateAsOps(this.options.clock.now());
    const multi = this.client.multi();
    multi.hset(this.keys.meta, 'secret', this.secretHex);
    for (const [command, ...args] of restoreWrites(
      state,
      pendingCredits,
      this.keys,
      this.options.trackerId,
    )) {
      multi.call(command, ...args);
    }
    // Aborted by the WATCH: another tracker wrote the swarm back first (its own `false`).
    const written = await this.execWithBatch(multi, ops);
    this.lostSwarm = false;
    if (!written) return false;
    const nodes = state.filter((op) => op.op === 'node-set').length;
    this.options.onProblem?.(
      `wrote the swarm this tracker holds back to ${this.location}: ${plural(nodes, 'node')}, ${plural(state.length - nodes, 'ownership')}`,
    );
    return true;
  }

  /**
   * Adds the batch's writes and its publication to `multi` and runs it. False when a WATCH
   * aborted it (the batch is pending again, for a plain write); throws when it failed.
   */
  private async execWithBatch(multi: ChainableCommander, ops: StateOp[]): Promise<boolean> {
    const batch: OpBatch = { trackerId: this.options.trackerId, ops };
    for (const [command, ...args] of writesFor(batch, this.keys, DEFAULT_CREDIT_MEMORY_ENTRIES)) {
      multi.call(command, ...args);
    }
    const { seq, meta, channel } = this.keys;
    multi.eval(PUBLISH_SCRIPT, 3, seq, channel, meta, JSON.stringify(batch));
    try {
      const results = await multi.exec();
      if (results === null) {
        // The batch goes with the next write (the writer sees it pending when this one ends).
        this.pending = [...ops, ...this.pending];
        return false;
      }
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
      const [, held] = results.at(-1)![1] as [number, number];
      if (held === 0) {
        this.lostSwarm = true;
        // The next write (at once: the writer sees it pending) writes the swarm back.
        this.options.onProblem?.(
          `${this.location} no longer holds the swarm (restarted without its data, or flushed): writing back the one this tracker holds`,
        );
      }
      return true;
    } catch (error) {
      // Keep the batch, ahead of what came since: the next write sends both, in order.
      this.pending = [...ops, ...this.pending];
      throw error;
    }
  }

  private onMessage(message: string): void {
    const space = message.indexOf(' ');
    const seq = Number(message.slice(0, space));
    let batch: OpBatch;
    try {
      batch = JSON.parse(message.slice(space + 1)) as OpBatch;
    } catch {
      return;
    }
    if (this.early) this.early.push({ seq, batch });
    else this.deliver(seq, batch);
  }

  /** A publication that came live (`early` ones are sorted out against the load first). */
  private deliver(seq: number, batch: OpBatch, live = true): void {
    if (seq <= this.lastSeq) {
      if (!live) return;
      // Publications come in the order Redis numbered them: a number that goes back means the
      // counter was lost with Redis's data. Before, every batch up to the old number was
      // dropped, and this tracker's copy of the swarm parted from the others' for good
      // (found by hand: a file seeded through one tracker was unknown to the other).
      this.options.onProblem?.(
        `${this.location} numbers batches from ${seq} again (after ${this.lastSeq}): it restarted without its data, or was flushed`,
      );
      this.lastSeq = seq - 1;
    }
    if (seq > this.lastSeq + 1 && !this.gapReported) {
      // Publications are not stored: a subscriber that was disconnected misses some.
      this.gapReported = true;
      this.options.onProblem?.(
        `missed ${seq - this.lastSeq - 1} batches of other trackers from ${this.location}; this tracker's view may lag until it restarts`,
      );
    }
    this.lastSeq = seq;
    if (batch.trackerId !== this.options.trackerId) this.listener?.(batch);
  }
}

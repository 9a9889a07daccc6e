/**
 * The shared store: several trackers serve one swarm through one Redis. Each tracker keeps the
 * whole state in memory as a replica and answers from it; its changes go to Redis in one
 * MULTI per batch (the hash writes of redis-layout.ts, then a numbered publication of the
 * batch), and every tracker applies the others' batches as they arrive. A starting tracker reads
 * all hashes and the batch number in one MULTI, and skips the publications that number already
 * covers, so no change is applied twice or missed between the read and the subscription.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Clock } from '../../clock.ts';
import { DEFAULT_CREDIT_MEMORY_ENTRIES } from '../credit-ledger.ts';
import { BatchWriter } from './batch-writer.ts';
import type { OpBatch, StateOp } from './ops.ts';
import {
  foldHeard,
  opsFromSwarm,
  type RedisKeys,
  type RedisSwarm,
  redisKeys,
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
/** Numbers the batch and publishes it, atomically with the MULTI's writes before it. */
const PUBLISH_SCRIPT =
  "local seq = redis.call('INCR', KEYS[1]); redis.call('PUBLISH', KEYS[2], seq .. ' ' .. ARGV[1]); return seq";
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
    this.writer = new BatchWriter({
      clock: options.clock,
      delayMs: REDIS_BATCH_DELAY_MS,
      write: () => this.writePending(),
      hasPending: () => this.pending.length > 0,
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

  record(batch: OpBatch, _reader: RecordReader): void {
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
    for (const { seq, batch } of early) this.deliver(seq, batch);
  }

  afterPendingWritten(): Promise<void> {
    return this.writer.afterPendingWritten();
  }

  flush(): Promise<boolean> {
    return this.writer.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    this.subscriber.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private async writePending(): Promise<void> {
    const ops = foldHeard(this.pending);
    this.pending = [];
    const batch: OpBatch = { trackerId: this.options.trackerId, ops };
    const multi = this.client.multi();
    for (const [command, ...args] of writesFor(batch, this.keys, DEFAULT_CREDIT_MEMORY_ENTRIES)) {
      multi.call(command, ...args);
    }
    multi.eval(PUBLISH_SCRIPT, 2, this.keys.seq, this.keys.channel, JSON.stringify(batch));
    try {
      const results = await multi.exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error('transaction aborted');
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

  private deliver(seq: number, batch: OpBatch): void {
    if (seq <= this.lastSeq) return;
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

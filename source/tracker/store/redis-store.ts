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
import { BoundedMap, DEFAULT_CREDIT_MEMORY_ENTRIES } from '../credit-ledger.ts';
import { plural } from '../events.ts';
import { BatchWriter } from './batch-writer.ts';
import type { OpBatch, StateOp } from './ops.ts';
import {
  foldHeard,
  opsFromSwarm,
  RECENT_BATCHES,
  type RedisKeys,
  type RedisSwarm,
  redisKeys,
  restoreWrites,
  writesFor,
} from './redis-layout.ts';
import {
  type RecordReader,
  type RemoteListener,
  type StoreLoad,
  TRACKER_SECRET_BYTES,
  type TrackerStore,
} from './tracker-store.ts';

/** Batches reach the other trackers at most this late (their replicas lag by no more). */
const REDIS_BATCH_DELAY_MS = 50;
/**
 * Numbers the batch, publishes it and keeps it among the recent ones, atomically with the
 * MULTI's writes before it; returns the number and whether the store still holds the swarm (its
 * secret, written at the first start of any tracker and never deleted: gone, Redis lost its data).
 */
const PUBLISH_SCRIPT = [
  "local seq = redis.call('INCR', KEYS[1])",
  "local message = seq .. ' ' .. ARGV[1]",
  "redis.call('PUBLISH', KEYS[2], message)",
  "redis.call('RPUSH', KEYS[4], message)",
  "redis.call('LTRIM', KEYS[4], -tonumber(ARGV[2]), -1)",
  "return {seq, redis.call('HEXISTS', KEYS[3], 'secret')}",
].join('; ');
/** Ops kept while Redis does not take them before heartbeats are folded (memory stays bounded). */
const MAX_PENDING_OPS = 200_000;
/**
 * A write-back sets the batch counter this far past the highest number its tracker has seen, so
 * that every other tracker (which may have seen a batch or two more) finds it written back and
 * does not write it again.
 */
const RESTORE_SEQ_JUMP = 1_000;
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
  /** Publications kept in <p>recent (RECENT_BATCHES; a test keeps fewer to miss some). */
  recentBatches?: number;
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
  /** The batches taken (and published) lately, by id: see OpBatch.id. */
  private readonly seen = new BoundedMap<true>(RECENT_BATCHES);
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
  /** The connection was ready once and is now lost (one line per outage). */
  private disconnected = false;
  private loaded = false;
  /** close() was called: the connection ends on purpose. */
  private closing = false;

  constructor(private readonly options: RedisStoreOptions) {
    this.location = options.url;
    this.recentBatches = options.recentBatches ?? RECENT_BATCHES;
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
    const read = await this.readSwarm();
    this.loaded = true;
    this.secretHex = read.secretHex;
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
      trackerSecret: Buffer.from(read.secretHex, 'hex'),
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
      secretHex: String(values[7]),
      recent: values[8] as string[],
    };
  }

  /** Goes on from a read's batch number; the ops that rebuild its swarm in an empty state. */
  private takeRead(read: SwarmRead): { ops: StateOp[]; malformed: number } {
    this.lastSeq = read.seq;
    this.highWater = Math.max(this.highWater, read.seq);
    this.gapReported = false;
    // What the hashes just read hold already: a catch-up later must not apply it again.
    for (const message of read.recent) {
      const publication = parsePublication(message);
      if (publication?.batch.id !== undefined && publication.seq <= read.seq)
        this.seen.set(publication.batch.id, true);
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
   * Redis lost the swarm (restarted without its data, or flushed) or went back to an older copy
   * of it (restarted from a snapshot): writes back the whole state this tracker holds, with the
   * pending batch, in one MULTI, unless another tracker of the swarm did first (the secret is
   * there and the counter past this tracker's high water: WATCH makes the check and the write
   * one step). True when this tracker wrote it. Not written back: the credit ledger (which
   * UPDATEs were already credited); Redis keeps what its copy had of it.
   */
  private async restore(): Promise<boolean> {
    const reader = this.reader;
    if (!reader) {
      // Nothing recorded yet, so nothing held to write back (and no write loop on the flag).
      this.lostSwarm = false;
      return false;
    }
    await this.client.watch(this.keys.meta, this.keys.seq);
    const [held, counter] = await Promise.all([
      this.client.hexists(this.keys.meta, 'secret'),
      this.client.get(this.keys.seq),
    ]);
    if (held && Number(counter ?? 0) > this.highWater) {
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
    multi.set(this.keys.seq, this.highWater + RESTORE_SEQ_JUMP);
    for (const [command, ...args] of restoreWrites(
      state,
      pendingCredits,
      this.keys,
      this.options.trackerId,
    )) {
      multi.call(command, ...args);
    }
    // Aborted by the WATCH: another tracker wrote the swarm back first (its own `false`).
    const written = await this.execWithBatch(multi, ops, true);
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
  private async execWithBatch(
    multi: ChainableCommander,
    ops: StateOp[],
    restored = false,
  ): Promise<boolean> {
    const batch: OpBatch = {
      trackerId: this.options.trackerId,
      ops,
      id: `${this.batchNonce}-${++this.batchCount}`,
    };
    if (restored) batch.restored = true;
    for (const [command, ...args] of writesFor(batch, this.keys, DEFAULT_CREDIT_MEMORY_ENTRIES)) {
      multi.call(command, ...args);
    }
    const { seq, meta, channel, recent } = this.keys;
    multi.eval(
      PUBLISH_SCRIPT,
      4,
      seq,
      channel,
      meta,
      recent,
      JSON.stringify(batch),
      this.recentBatches,
    );
    // Every number seen so far was given before this batch's: a number not past them went back.
    const seenBefore = this.highWater;
    try {
      const results = await multi.exec();
      if (results === null) {
        // The batch goes with the next write (the writer sees it pending when this one ends).
        this.pending = [...ops, ...this.pending];
        return false;
      }
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
      const [published, held] = results.at(-1)![1] as [number, number];
      this.highWater = Math.max(this.highWater, published);
      // The next write (at once: the writer sees it pending) writes the swarm back.
      if (held === 0) {
        this.lostSwarm = true;
        this.options.onProblem?.(
          `${this.location} no longer holds the swarm (restarted without its data, or flushed): writing back the one this tracker holds`,
        );
      } else if (published <= seenBefore && !restored) {
        // Its secret is there, so Redis came back with a copy saved before (an RDB snapshot or
        // an AOF that lost its tail): nodes and owners since are missing, some gone are back.
        this.lostSwarm = true;
        this.options.onProblem?.(
          `${this.location} went back to an older copy of the swarm (batch ${published} after ${seenBefore}; restarted from a snapshot?): writing back the one this tracker holds`,
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
    if (batch.id !== undefined) this.seen.set(batch.id, true);
    this.highWater = Math.max(this.highWater, seq);
    if (batch.restored === true) {
      // A write-back: its number jumped on purpose (RESTORE_SEQ_JUMP); nothing was missed. One
      // by another tracker, after this one found the loss: nothing left for this one to write.
      this.lastSeq = seq - 1;
      if (batch.trackerId !== this.options.trackerId) this.lostSwarm = false;
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
    if (batch.trackerId !== this.options.trackerId) this.listener?.batch(batch);
  }
}

/** The whole swarm as one MULTI read it. */
interface SwarmRead {
  seq: number;
  swarm: RedisSwarm;
  secretHex: string;
  /** <p>recent at the read: the batches its hashes hold already are known by id. */
  recent: string[];
}

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

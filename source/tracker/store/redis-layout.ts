/**
 * How a shared swarm lies in Redis, and the translation both ways: a batch of StateOps becomes
 * hash writes (applied with the batch's publication in one script), and the hashes become the
 * StateOps a starting tracker applies. Pure: no connection here.
 *
 *   <p>nodes     HASH nodeId -> node record (JSON, as persisted; its credit is in <p>credits)
 *   <p>credits   HASH nodeId -> upload credit (HINCRBY: credits from two trackers add up)
 *   <p>sessions  HASH nodeId -> token (hex)
 *   <p>heard     HASH nodeId -> "<wall ms> <tracker host:port>"
 *   <p>owners    HASH "<infohash>:<nodeId>" -> {"name","size","complete"} (JSON)
 *   <p>ledger    LIST of accepted UPDATEs ('credit' ops), the newest CREDIT_MEMORY kept
 *   <p>meta      HASH secret -> the swarm secret (hex)
 *   <p>seq       the number of the last published batch
 *   <p>ops       channel: "<seq> <batch JSON>"
 *   <p>recent    LIST of the newest RECENT_BATCHES publications, as on the channel: what a tracker
 *                that was not listening for a while (its subscription reconnecting) takes again
 *   <p>restoring the tracker writing the swarm back after Redis lost it ("<host:port> <nonce>",
 *                expiring): no other tracker writes meanwhile (redis-scripts.ts)
 *   <p>restoring:<nonce>:<hash>  that write-back's copies of the five hashes and the ledger,
 *                built in chunks, then renamed into place in one step (expiring until then)
 */
import { isCreditOp, isNode, type PersistedNode } from '../persisted.ts';
import type { CreditOp, OpBatch, StateOp } from './ops.ts';

/** Key prefix of every key of a swarm. */
export const REDIS_PREFIX = 'bt-tui:';

/** Keys of one swarm. */
export const redisKeys = (prefix = REDIS_PREFIX) => ({
  nodes: `${prefix}nodes`,
  credits: `${prefix}credits`,
  sessions: `${prefix}sessions`,
  heard: `${prefix}heard`,
  owners: `${prefix}owners`,
  ledger: `${prefix}ledger`,
  meta: `${prefix}meta`,
  seq: `${prefix}seq`,
  channel: `${prefix}ops`,
  recent: `${prefix}recent`,
  restoring: `${prefix}restoring`,
});

/**
 * Publications kept in <p>recent: at the 50 ms batch delay, the last 50 s or more of a busy
 * swarm, hours of a quiet one. Measured at 100,000 nodes (bench/tracker-scale.ts, two trackers):
 * 3.3 MB at most during the registration ramp, 0.2 MB once the swarm is steady.
 */
export const RECENT_BATCHES = 1_000;
export type RedisKeys = ReturnType<typeof redisKeys>;

/** The five hashes that hold a swarm, by name. */
export type SwarmHashes = Pick<RedisKeys, 'nodes' | 'credits' | 'sessions' | 'heard' | 'owners'>;
const HASH_NAMES = ['nodes', 'credits', 'sessions', 'heard', 'owners'] as const;

/** The hashes as a list, always in this order. */
export const hashList = (hashes: SwarmHashes): string[] => HASH_NAMES.map((name) => hashes[name]);

/** Where the write-back with `nonce` builds its copies of the swarm's hashes. */
export function stagedHashes(keys: RedisKeys, nonce: string): SwarmHashes {
  const [nodes, credits, sessions, heard, owners] = HASH_NAMES.map(
    (name) => `${keys.restoring}:${nonce}:${name}`,
  ) as [string, string, string, string, string];
  return { nodes, credits, sessions, heard, owners };
}

/** Where the write-back with `nonce` builds its copy of the ledger. */
export const stagedLedger = (keys: RedisKeys, nonce: string): string =>
  `${keys.restoring}:${nonce}:ledger`;

/** An accepted UPDATE as <p>ledger holds it. */
export const ledgerEntry = (op: CreditOp): string => JSON.stringify(op);

/**
 * Fields one HSET sets at most. Scripts pass a write's arguments to redis.call with unpack, which
 * Redis's Lua allows up to ~8,000 values; and a write-back sent in writes of this size is a few
 * hundred commands, not a few hundred thousand.
 */
export const FIELDS_PER_WRITE = 1_000;

/** One write command: name and arguments, e.g. ['hset', key, field, value]. */
export type RedisWrite = [string, ...(string | number)[]];

/**
 * The heartbeats of a batch folded into one 'heard' op per second at its end, each node once, at
 * the newest time of its second: at 100k nodes most ops are heartbeats, and one op, one HSET and
 * one JSON object each made the other trackers' garbage collector stall them. A batch spans at
 * most 50 ms (one or two ops); the heartbeats kept while Redis is away keep their second. A node
 * deleted after it was heard is left out, so its 'heard' field is not written back.
 */
export function foldHeard(ops: readonly StateOp[]): StateOp[] {
  const folded: StateOp[] = [];
  const lastHeard = new Map<number, number>();
  let via: string | undefined;
  for (const op of ops) {
    if (op.op === 'heard') {
      for (const nodeId of op.nodeIds) lastHeard.set(nodeId, op.heardAtWallMs);
      via ??= op.via;
      continue;
    }
    if (op.op === 'node-delete') lastHeard.delete(op.nodeId);
    folded.push(op);
  }
  const bySecond = new Map<number, { nodeIds: number[]; heardAtWallMs: number }>();
  for (const [nodeId, wallMs] of lastHeard) {
    const second = Math.floor(wallMs / 1000);
    let group = bySecond.get(second);
    if (!group) {
      group = { nodeIds: [], heardAtWallMs: wallMs };
      bySecond.set(second, group);
    }
    group.nodeIds.push(nodeId);
    group.heardAtWallMs = Math.max(group.heardAtWallMs, wallMs);
  }
  for (const { nodeIds, heardAtWallMs } of bySecond.values()) {
    folded.push({ op: 'heard', nodeIds, heardAtWallMs, ...(via ? { via } : {}) });
  }
  return folded;
}

/** The hash writes that make Redis hold the state after `batch`. */
export function writesFor(batch: OpBatch, keys: RedisKeys, ledgerEntries: number): RedisWrite[] {
  const writes: RedisWrite[] = [];
  const via = batch.trackerId;
  for (const op of batch.ops) {
    switch (op.op) {
      case 'node-set': {
        const id = op.node.nodeId;
        writes.push(['hset', keys.nodes, id, JSON.stringify(op.node)]);
        writes.push(['hset', keys.sessions, id, op.session.tokenHex ?? '']);
        writes.push([
          'hset',
          keys.heard,
          id,
          `${op.session.heardAtWallMs} ${op.session.via ?? via}`,
        ]);
        // A node new to the swarm starts from its record's credit; a known one keeps the sum.
        writes.push(['hsetnx', keys.credits, id, op.node.uploadCredit]);
        break;
      }
      case 'node-delete': {
        const id = op.nodeId;
        for (const key of [keys.nodes, keys.sessions, keys.heard, keys.credits]) {
          writes.push(['hdel', key, id]);
        }
        for (const infohash of op.infohashes)
          writes.push(['hdel', keys.owners, `${infohash}:${id}`]);
        break;
      }
      case 'heard': {
        const value = `${op.heardAtWallMs} ${op.via ?? via}`;
        for (let start = 0; start < op.nodeIds.length; start += FIELDS_PER_WRITE) {
          const write: RedisWrite = ['hset', keys.heard];
          for (const nodeId of op.nodeIds.slice(start, start + FIELDS_PER_WRITE))
            write.push(nodeId, value);
          writes.push(write);
        }
        break;
      }
      case 'own': {
        const value = JSON.stringify({ name: op.name, size: op.size, complete: op.complete });
        writes.push(['hset', keys.owners, `${op.infohash}:${op.nodeId}`, value]);
        break;
      }
      case 'withdraw':
        writes.push(['hdel', keys.owners, `${op.infohash}:${op.nodeId}`]);
        break;
      case 'credit':
        for (const credit of op.granted) {
          writes.push(['hincrby', keys.credits, credit.nodeId, credit.bytes]);
        }
        writes.push(['rpush', keys.ledger, ledgerEntry(op)]);
        writes.push(['ltrim', keys.ledger, -ledgerEntries, -1]);
        break;
    }
  }
  return writes;
}

/**
 * The writes that build a tracker's whole state in `staged` (empty), for a write-back to rename
 * into place: every record as `writesFor` writes it, and every node's credit set outright
 * (writesFor sets only a new node's), less `pendingCredits`: credits of a batch not yet written,
 * which the write-back's batch adds right after (HINCRBY), so that the sum is what the tracker
 * holds. Lazily, FIELDS_PER_WRITE fields a write: the caller sends them in chunks and the
 * tracker goes on answering in between.
 */
export function* restoreWrites(
  stateOps: readonly StateOp[],
  pendingCredits: ReadonlyMap<number, number>,
  staged: SwarmHashes,
  trackerId: string,
): Generator<RedisWrite> {
  const filling = new Map<string, RedisWrite>();
  // The write for `key` with one more field; returned once full (and a new one started).
  const put = (key: string, field: string | number, value: string | number) => {
    let write = filling.get(key);
    if (!write) {
      write = ['hset', key];
      filling.set(key, write);
    }
    write.push(field, value);
    if (write.length < 2 + 2 * FIELDS_PER_WRITE) return null;
    filling.delete(key);
    return write;
  };
  for (const op of stateOps) {
    if (op.op === 'node-set') {
      const { node, session } = op;
      const id = node.nodeId;
      const credit = node.uploadCredit - (pendingCredits.get(id) ?? 0);
      const full = [
        put(staged.nodes, id, JSON.stringify(node)),
        put(staged.sessions, id, session.tokenHex ?? ''),
        put(staged.heard, id, `${session.heardAtWallMs} ${session.via ?? trackerId}`),
        put(staged.credits, id, credit),
      ];
      for (const write of full) if (write) yield write;
    } else if (op.op === 'own') {
      const value = JSON.stringify({ name: op.name, size: op.size, complete: op.complete });
      const write = put(staged.owners, `${op.infohash}:${op.nodeId}`, value);
      if (write) yield write;
    }
  }
  yield* filling.values();
}

/** The writes that build a copy of the ledger (entries oldest first) in the list `key` (empty). */
export function* ledgerWrites(key: string, entries: Iterable<string>): Generator<RedisWrite> {
  let write: RedisWrite = ['rpush', key];
  for (const entry of entries) {
    write.push(entry);
    if (write.length < 2 + FIELDS_PER_WRITE) continue;
    yield write;
    write = ['rpush', key];
  }
  if (write.length > 2) yield write;
}

/** The hashes of a swarm as read in one MULTI. */
export interface RedisSwarm {
  nodes: Record<string, string>;
  credits: Record<string, string>;
  sessions: Record<string, string>;
  heard: Record<string, string>;
  owners: Record<string, string>;
  ledger: string[];
}

/**
 * The ops that rebuild a swarm in an empty state: every node with its session, every owner,
 * then the ledger replayed (so a retransmitted UPDATE credits nothing here either). Credits
 * replayed from the ledger are taken off the records first: the sum stays what Redis holds.
 */
export function opsFromSwarm(swarm: RedisSwarm): { ops: StateOp[]; malformed: number } {
  let malformed = 0;
  const ledger: CreditOp[] = [];
  const replayed = new Map<number, number>();
  for (const text of swarm.ledger) {
    const op = parseJson(text);
    if (!isCreditOp(op)) {
      malformed++;
      continue;
    }
    ledger.push(op);
    for (const { nodeId, bytes } of op.granted) {
      replayed.set(nodeId, (replayed.get(nodeId) ?? 0) + bytes);
    }
  }
  const ops: StateOp[] = [];
  for (const [id, text] of Object.entries(swarm.nodes)) {
    const node = parseJson(text);
    if (!isNode(node)) {
      malformed++;
      continue;
    }
    const credit = Number(swarm.credits[id] ?? node.uploadCredit);
    const record: PersistedNode = {
      ...node,
      uploadCredit: credit - (replayed.get(node.nodeId) ?? 0),
    };
    const [heardText, via] = (swarm.heard[id] ?? '0').split(' ');
    const tokenHex = swarm.sessions[id] || null;
    const session = { tokenHex, heardAtWallMs: Number(heardText) || 0, ...(via ? { via } : {}) };
    ops.push({ op: 'node-set', node: record, session });
  }
  for (const [key, text] of Object.entries(swarm.owners)) {
    const [infohash, idText] = key.split(':');
    const file = parseJson(text) as { name?: unknown; size?: unknown; complete?: unknown } | null;
    if (
      !infohash ||
      typeof file?.name !== 'string' ||
      typeof file.size !== 'number' ||
      typeof file.complete !== 'boolean'
    ) {
      malformed++;
      continue;
    }
    const { name, size, complete } = file;
    ops.push({ op: 'own', infohash, name, size, nodeId: Number(idText), complete });
  }
  for (const op of ledger) ops.push(op);
  return { ops, malformed };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

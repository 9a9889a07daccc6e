/**
 * The Lua scripts through which a tracker writes to the shared swarm, and how their writes are
 * passed. Scripts, not MULTI, because a write must look before it writes: a batch must not land
 * in a Redis that lost the swarm, nor while another tracker writes the swarm back (its hashes are
 * replaced then, and a credit written meanwhile would be lost, or counted twice when written
 * again). A script runs whole before any other command, so the look and the writes are one step.
 * Pure: no connection here.
 *
 * Writes travel in ARGV, each as its argument count, then its command and arguments:
 * `2 del k  4 hset k f v` is DEL k, then HSET k f v (see argsOf).
 */
import { hashList, type RedisKeys, type RedisWrite, type SwarmHashes } from './redis-layout.ts';

/** Runs the writes in ARGV from `first` on, as argsOf laid them out. */
const APPLY_WRITES = `
local function apply(first)
  local i = first
  while i <= #ARGV do
    local count = tonumber(ARGV[i])
    redis.call(unpack(ARGV, i + 1, i + count))
    i = i + count + 1
  end
end`;

/** Numbers a batch, publishes it and keeps it among the recent ones (KEYS as in keysOf). */
const PUBLISH = `
local function publish(batch, kept)
  local seq = redis.call('INCR', KEYS[1])
  local message = seq .. ' ' .. batch
  redis.call('PUBLISH', KEYS[2], message)
  redis.call('RPUSH', KEYS[4], message)
  redis.call('LTRIM', KEYS[4], -tonumber(kept), -1)
  return seq
end`;

/**
 * A batch: ARGV = batch JSON, publications kept, this tracker's restore token, writes. Returns
 * {seq, 'ok'}; {0, 'lost'} when the swarm's secret is gone (written at the first start of any
 * tracker and never deleted: Redis lost its data), {0, 'restoring', holder} while another
 * tracker writes the swarm back. Refused, it writes nothing.
 */
export const BATCH_SCRIPT = `${APPLY_WRITES}
${PUBLISH}
if redis.call('HEXISTS', KEYS[3], 'secret') == 0 then return {0, 'lost'} end
local holder = redis.call('GET', KEYS[5])
if holder and holder ~= ARGV[3] then return {0, 'restoring', holder} end
apply(4)
return {publish(ARGV[1], ARGV[2]), 'ok'}`;

/**
 * The end of a write-back, by the holder of <p>restoring: the staged hashes (KEYS 11-15) take the
 * swarm's places (KEYS 6-10; a hash with nothing staged is emptied), the staged ledger (KEYS 17)
 * the ledger's (KEYS 16), the secret is set again, the counter at least ARGV[5], then the
 * batch's writes and its publication, and the lock is let go. ARGV = batch JSON, publications
 * kept, token, secret (hex), counter floor, writes. {0, 'unlocked'} when the lock is no longer
 * this tracker's (it took too long): nothing written.
 */
export const RESTORE_SCRIPT = `${APPLY_WRITES}
${PUBLISH}
local function put(staged, key)
  if redis.call('EXISTS', staged) == 1 then
    redis.call('RENAME', staged, key)
    redis.call('PERSIST', key)
  else
    redis.call('DEL', key)
  end
end
if redis.call('GET', KEYS[5]) ~= ARGV[3] then return {0, 'unlocked'} end
for k = 6, 10 do put(KEYS[k + 5], KEYS[k]) end
put(KEYS[17], KEYS[16])
redis.call('HSET', KEYS[3], 'secret', ARGV[4])
local counter = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('SET', KEYS[1], string.format('%d', math.max(counter, tonumber(ARGV[5]))))
apply(6)
local seq = publish(ARGV[1], ARGV[2])
redis.call('DEL', KEYS[5])
return {seq, 'ok'}`;

/** Lets go of a lock (KEYS[1]) if it is still this token's (ARGV[1]). */
export const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** Keeps a lock (KEYS[1]) ARGV[2] ms longer if it is still this token's (ARGV[1]). */
export const EXTEND_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** KEYS of BATCH_SCRIPT (and the first five of RESTORE_SCRIPT's). */
export const batchKeys = (keys: RedisKeys): string[] => [
  keys.seq,
  keys.channel,
  keys.meta,
  keys.recent,
  keys.restoring,
];

/**
 * KEYS of RESTORE_SCRIPT: the batch's, the swarm's hashes, their staged copies, the ledger and
 * its staged copy.
 */
export const restoreKeys = (
  keys: RedisKeys,
  staged: SwarmHashes,
  stagedLedger: string,
): string[] => [
  ...batchKeys(keys),
  ...hashList(keys),
  ...hashList(staged),
  keys.ledger,
  stagedLedger,
];

/** Writes laid out for APPLY_WRITES, after `leading` arguments. */
export function argsOf(
  leading: (string | number)[],
  writes: Iterable<RedisWrite>,
): (string | number)[] {
  const args = [...leading];
  // A loop, not push(...): a write-back's writes number in the hundreds of thousands.
  for (const write of writes) {
    args.push(write.length);
    for (const part of write) args.push(part);
  }
  return args;
}

/**
 * Registration challenges, stateless (the idea of BEP 15's connection id and of SYN cookies):
 * an HMAC of the sender's address, the node id, the public key and a time slot, keyed by a
 * tracker secret. The tracker keeps nothing per challenge, so a flood of REGISTERs from forged
 * addresses costs it one HMAC each and no memory; a proof counts only if its challenge was sent
 * to the address the proof comes from, for that id and key, within the last one or two slots.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RemoteAddress } from '../net/transport.ts';
import { CHALLENGE_BYTES } from '../protocol/messages.ts';

/**
 * Where the tracker's HMAC secret comes from. A single tracker keeps one in tracker_db/; trackers
 * sharing one swarm read the same one from their shared store, so a challenge issued by one
 * verifies on any of them.
 */
export interface TrackerSecrets {
  /** The secret (at least 32 bytes) challenges are made and checked with now. */
  current(): Buffer;
}

/** Secrets that never change (tests, or a store that loaded one). */
export function fixedSecrets(secret: Buffer): TrackerSecrets {
  const copy = Buffer.from(secret);
  return { current: () => copy };
}

/**
 * A challenge is valid in the slot it was made and the next one: 30 to 60 s, ample for one round
 * trip with retries, short enough that a captured proof is soon useless. Wall-clock slots, so
 * trackers sharing a swarm agree.
 */
export const CHALLENGE_SLOT_MS = 30_000;

/** Separates these MACs from any other use of the same secret. */
const CHALLENGE_CONTEXT = 'bt-tui/challenge/v1';

/** The slot of a wall-clock time. */
export function challengeSlotOf(wallNowMs: number): number {
  return Math.floor(wallNowMs / CHALLENGE_SLOT_MS);
}

/** The challenge for (address, node id, public key) in `slot`. */
export function makeChallenge(
  secret: Buffer,
  from: RemoteAddress,
  nodeId: number,
  publicKey: Buffer,
  slot: number,
): Buffer {
  const fixed = Buffer.alloc(8 + 4 + 2);
  fixed.writeUIntBE(slot, 2, 6);
  fixed.writeUInt32BE(nodeId, 8);
  fixed.writeUInt16BE(from.port, 12);
  return createHmac('sha256', secret)
    .update(CHALLENGE_CONTEXT)
    .update(fixed)
    .update(publicKey)
    .update(from.address)
    .digest()
    .subarray(0, CHALLENGE_BYTES);
}

/** True when `challenge` was made for this sender, id and key in this slot or the one before. */
export function challengeIsValid(
  secrets: TrackerSecrets,
  challenge: Buffer,
  from: RemoteAddress,
  nodeId: number,
  publicKey: Buffer,
  wallNowMs: number,
): boolean {
  if (challenge.length !== CHALLENGE_BYTES) return false;
  const secret = secrets.current();
  const slot = challengeSlotOf(wallNowMs);
  for (const candidate of [slot, slot - 1]) {
    // Constant time: a timing side channel must not reveal how much of a guess matched.
    if (timingSafeEqual(makeChallenge(secret, from, nodeId, publicKey, candidate), challenge)) {
      return true;
    }
  }
  return false;
}

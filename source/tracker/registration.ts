/**
 * REGISTER: who may hold a node id. Identity is an Ed25519 key pair, proven in two steps:
 * REGISTER (id, public key) is answered by a stateless challenge sent to the sender's address;
 * REGISTER-PROOF returns it signed. Only a proof binds the id: a free id goes to the first key
 * that proves itself, a held id only to the same key again, from any address (the node restarted
 * or moved). No reusable secret crosses the wire, and a datagram from a forged address never
 * sees its challenge, so it cannot change who holds an id.
 */
import type { RemoteAddress } from '../net/transport.ts';
import type {
  ChallengeMessage,
  RegisterMessage,
  RegisterProofMessage,
  TrackerErrorCode,
} from '../protocol/messages.ts';
import { registrationSigningBytes, verifyEd25519 } from '../protocol/signatures.ts';
import {
  challengeIsValid,
  challengeSlotOf,
  makeChallenge,
  type TrackerSecrets,
} from './challenge.ts';
import type { BoundedMap } from './credit-ledger.ts';
import { formatAddress, plural, type TrackerEvent } from './events.ts';
import { hostKeyOf } from './host-key.ts';
import { byteString, type NodeRecord, type Registry, sameAddress, sameBytes } from './registry.ts';

/** The world a registration needs: bounds, the secret, a fresh token, the wall time. */
export interface RegistrationContext {
  maxNodes: number;
  maxNodesPerHost: number;
  secrets: TrackerSecrets;
  newToken: () => Buffer;
  wallNowMs: number;
  /** The tracker's monotonic now. */
  nowMs: number;
  /** Charges the sender's host for a proof whose challenge reached it; false: over budget. */
  admit: () => boolean;
  /**
   * Challenges (hex) that registered a node, kept while they are valid: an older session's
   * proof does not take an id from the live session that replaced it. A sniffed proof replayed
   * from its node's old address moved the live node back there and cut its session (found by a
   * session with a raw socket).
   */
  usedChallenges: BoundedMap<true>;
}

/** A refusal, with the code and sentence the ERROR carries. */
export interface Refusal {
  ok: false;
  code: TrackerErrorCode;
  text: string;
}

/**
 * A registration: the token and its event (null for a retransmitted proof), a refusal, or
 * `throttled` (the host is over its request budget: no answer at all).
 */
export type RegisterOutcome =
  | { ok: true; token: Buffer; event: TrackerEvent | null }
  | Refusal
  | { ok: false; throttled: true };

/** Step 1: a challenge for this sender, id and key, or why the id cannot be had. */
export function answerRegister(
  registry: Registry,
  request: RegisterMessage,
  from: RemoteAddress,
  context: RegistrationContext,
): { ok: true; reply: ChallengeMessage } | Refusal {
  const refusal = whyNot(registry, request.nodeId, request.publicKey, from, context);
  if (refusal) return refusal;
  const secret = context.secrets.current();
  const slot = challengeSlotOf(context.wallNowMs);
  const challenge = makeChallenge(secret, from, request.nodeId, request.publicKey, slot);
  return { ok: true, reply: { type: 'challenge', nodeId: request.nodeId, challenge } };
}

/** Step 2: binds (or re-binds) the id when the proof holds. */
export function applyProof(
  registry: Registry,
  request: RegisterProofMessage,
  from: RemoteAddress,
  nowMs: number,
  context: RegistrationContext,
): RegisterOutcome {
  const { nodeId, publicKey, challenge } = request;
  if (!challengeIsValid(context.secrets, challenge, from, nodeId, publicKey, context.wallNowMs)) {
    const text = 'registration challenge expired or not for this address: register again';
    return { ok: false, code: 'stale-challenge', text };
  }
  if (!context.admit()) return { ok: false, throttled: true };
  const holder = registry.get(nodeId);
  // The same proof again (its answer was lost): the same session, not a new token that would
  // cut off the one already in use.
  if (
    holder !== undefined &&
    holder.tokenHex !== null &&
    holder.sessionChallenge &&
    sameBytes(holder.sessionChallenge, challenge) &&
    sameAddress(holder.address, from)
  ) {
    return { ok: true, token: Buffer.from(holder.tokenHex, 'hex'), event: null };
  }
  const challengeHex = challenge.toString('hex');
  // Only against a live session: the same challenge comes again to a node that registers anew
  // from the same address within its 30 s slot (restarted on a fixed port after EXIT, say).
  if (
    context.usedChallenges.has(challengeHex) &&
    holder !== undefined &&
    holder.tokenHex !== null &&
    registry.statusOf(holder, nowMs) !== 'dropped'
  ) {
    const text = 'registration challenge already used: register again';
    return { ok: false, code: 'stale-challenge', text };
  }
  const refusal = whyNot(registry, nodeId, publicKey, from, context);
  if (refusal) return refusal;
  // Checked last: an Ed25519 verification costs ~0.2 ms, the checks above microseconds.
  if (!verifyEd25519(publicKey, registrationSigningBytes(challenge), request.signature)) {
    return { ok: false, code: 'bad-proof', text: 'signature does not match the public key' };
  }
  context.usedChallenges.set(challengeHex, true);
  const token = context.newToken();
  const address = { address: from.address, port: from.port };
  if (!holder) {
    registry.add(newRecord(request, address, token, nowMs, context.wallNowMs));
    return { ok: true, token, event: { kind: 'joined', nodeId, address } };
  }
  const previous = holder.address;
  holder.publicKey ??= byteString(publicKey);
  holder.sessionChallenge = byteString(challenge);
  registry.renew(holder, token, address, nowMs);
  const event: TrackerEvent = sameAddress(previous, from)
    ? { kind: 'reregistered', nodeId, address }
    : { kind: 'rejoined', nodeId, address, previous };
  return { ok: true, token, event };
}

/** Why `publicKey` at `from` may not have `nodeId` now, or null when it may. */
function whyNot(
  registry: Registry,
  nodeId: number,
  publicKey: Buffer,
  from: RemoteAddress,
  context: RegistrationContext,
): Refusal | null {
  const holder = registry.get(nodeId);
  if (holder?.publicKey && !sameBytes(holder.publicKey, publicKey)) {
    // More than the holder's address: refused on a restart with another folder (another key)
    // while the first run still held the id, a person read `in use by` their own port and could
    // not tell why, or for how long.
    const seconds = Math.max(1, Math.ceil(registry.silenceLeftMs(holder, context.nowMs) / 1000));
    const text = `node id ${nodeId} is in use by ${formatAddress(holder.address)} (another key; free once that node exits, or if it stays silent ${seconds} s more)`;
    return { ok: false, code: 'id-in-use', text };
  }
  if (!holder && registry.size >= context.maxNodes) {
    const text = `tracker is full (${plural(context.maxNodes, 'node')})`;
    return { ok: false, code: 'full', text };
  }
  const hostKey = hostKeyOf(from);
  const movesHere = !holder || hostKeyOf(holder.address) !== hostKey;
  if (movesHere && registry.countOnHost(hostKey) >= context.maxNodesPerHost) {
    const text = `too many node ids from ${hostKey} (at most ${context.maxNodesPerHost} per host)`;
    return { ok: false, code: 'full', text };
  }
  return null;
}

function newRecord(
  request: RegisterProofMessage,
  address: RemoteAddress,
  token: Buffer,
  nowMs: number,
  wallNowMs: number,
): NodeRecord {
  return {
    nodeId: request.nodeId,
    publicKey: byteString(request.publicKey),
    address,
    tokenHex: token.toString('hex'),
    sessionChallenge: byteString(request.challenge),
    lastHeardMs: nowMs,
    joinedAtWallMs: wallNowMs,
    uploadCredit: 0,
    downloaderHosts: undefined,
    reportedLate: false,
  };
}

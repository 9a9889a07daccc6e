/**
 * Helpers for driving a TrackerState by hand: addresses, keys, infohashes, and one-line
 * request helpers that assert the happy-path reply.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../source/clock.ts';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import type { RemoteAddress } from '../../source/net/transport.ts';
import { identityFromSeed, type NodeIdentity } from '../../source/peer/identity.ts';
import {
  type Credit,
  INFOHASH_BYTES,
  type OwnState,
  type TrackerReply,
} from '../../source/protocol/messages.ts';
import { registrationSigningBytes } from '../../source/protocol/signatures.ts';
import type { TrackerEvent } from '../../source/tracker/events.ts';
import {
  type HandleResult,
  TrackerState,
  type TrackerStateOptions,
} from '../../source/tracker/tracker-state.ts';

/** The default sweep period. */
export const SWEEP_MS = 22_000;

/** 127.0.0.1:`port`. */
export function at(port: number): RemoteAddress {
  return { address: '127.0.0.1', port };
}

/** The identity (Ed25519 key pair) whose seed is 32 bytes of `fill`. */
export function identity(fill: number): NodeIdentity {
  return identityFromSeed(Buffer.alloc(32, fill));
}

/**
 * REGISTER then REGISTER-PROOF for `nodeId` with `who`'s key, as a node does: the proof's
 * result (with the events of both), or the REGISTER's when it was refused (no challenge).
 */
export function prove(
  state: TrackerState,
  nodeId: number,
  from: RemoteAddress,
  nowMs: number,
  who: NodeIdentity,
): HandleResult {
  const { publicKey } = who;
  const asked = state.handle({ type: 'register', nodeId, publicKey }, from, nowMs);
  if (asked.reply?.type !== 'challenge') return asked;
  const { challenge } = asked.reply;
  const signature = who.sign(registrationSigningBytes(challenge));
  const proof = { type: 'register-proof', nodeId, publicKey, challenge, signature } as const;
  const result = state.handle(proof, from, nowMs);
  return { ...result, events: [...asked.events, ...result.events] };
}

/** An infohash whose first byte is `n` (hex starts with n's two digits). */
export function infohash(n: number): Buffer {
  const bytes = Buffer.alloc(INFOHASH_BYTES, 0xab);
  bytes[0] = n;
  return bytes;
}

/** A state on the default sweep with a seeded token source. */
export function newState(
  options: Partial<TrackerStateOptions> = {},
  seed = 1,
): { state: TrackerState; clock: ManualClock } {
  const clock = new ManualClock();
  const random = new SeededRandom(seed);
  const state = new TrackerState(
    { sweepIntervalMs: SWEEP_MS, ...options },
    (n) => random.bytes(n),
    clock,
  );
  return { state, clock };
}

/** Registers `nodeId` from 127.0.0.1:`port` (key fill = nodeId unless given); returns the token. */
export function register(
  state: TrackerState,
  nodeId: number,
  port: number,
  nowMs: number,
  keyFill = nodeId,
): Buffer {
  const { reply } = prove(state, nodeId, at(port), nowMs, identity(keyFill));
  assert.equal(reply?.type, 'registered', `register ${nodeId}: ${JSON.stringify(reply)}`);
  return (reply as Extract<TrackerReply, { type: 'registered' }>).token;
}

/** OWN that must be acknowledged. */
export function own(
  state: TrackerState,
  token: Buffer,
  port: number,
  nowMs: number,
  file: { infohash: Buffer; name: string; size: number },
  ownState: OwnState = 'complete',
): void {
  const { reply } = state.handle({ type: 'own', state: ownState, token, ...file }, at(port), nowMs);
  assert.deepEqual(reply, { type: 'ack' });
}

/** UPDATE that must be acknowledged; returns its events. */
export function update(
  state: TrackerState,
  token: Buffer,
  port: number,
  nowMs: number,
  ih: Buffer,
  downloadId: number,
  credits: Credit[],
): TrackerEvent[] {
  const { reply, events } = state.handle(
    { type: 'update', token, infohash: ih, downloadId: Buffer.alloc(8, downloadId), credits },
    at(port),
    nowMs,
  );
  assert.deepEqual(reply, { type: 'ack' });
  return events;
}

/** Heartbeat; returns the reply. */
export function heartbeat(
  state: TrackerState,
  token: Buffer,
  port: number,
  nowMs: number,
): TrackerReply | null {
  return state.handle({ type: 'heartbeat', token }, at(port), nowMs).reply;
}

/** Credit of a node as the snapshot shows it (undefined when not registered). */
export function creditOf(state: TrackerState, nodeId: number, nowMs: number): number | undefined {
  return state.snapshot(nowMs).nodes.find((n) => n.nodeId === nodeId && n.status !== 'dropped')
    ?.uploadCredit;
}

/** The reply of an ERROR with code 'reregister', as the tracker sends it. */
export function isReregister(reply: TrackerReply | null): boolean {
  return reply?.type === 'error' && reply.code === 'reregister';
}

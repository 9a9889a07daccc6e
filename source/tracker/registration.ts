/**
 * REGISTER: who may hold a node id. A free id is given to the sender; the holder's own address
 * re-registers; another address may take the id over only with the holder's secret key (the
 * node restarted or moved); anyone else is refused with the holder named.
 */
import type { RemoteAddress } from '../net/transport.ts';
import type { RegisterMessage, TrackerErrorCode } from '../protocol/messages.ts';
import { formatAddress, type TrackerEvent } from './events.ts';
import { hashNodeKey, keyMatches, type Registry, sameAddress } from './registry.ts';

/** The world a registration needs: bounds, a fresh token, the wall time of joining. */
export interface RegistrationContext {
  maxNodes: number;
  newToken: () => Buffer;
  wallNowMs: number;
}

/** A registration: the new token and its event, or a refusal. */
export type RegisterOutcome =
  | { ok: true; token: Buffer; event: TrackerEvent }
  | { ok: false; code: TrackerErrorCode; text: string };

/** Applies a REGISTER whose id is free or held by a live (alive or late) node. */
export function applyRegister(
  registry: Registry,
  request: RegisterMessage,
  from: RemoteAddress,
  nowMs: number,
  context: RegistrationContext,
): RegisterOutcome {
  const { nodeId } = request;
  const address = { address: from.address, port: from.port };
  const holder = registry.get(nodeId);
  if (!holder) {
    if (registry.size >= context.maxNodes) {
      return { ok: false, code: 'full', text: `tracker is full (${context.maxNodes} nodes)` };
    }
    const token = context.newToken();
    registry.add({
      nodeId,
      keyHash: hashNodeKey(request.nodeKey),
      address,
      token,
      lastHeardMs: nowMs,
      joinedAtWallMs: context.wallNowMs,
      uploadCredit: 0,
      reportedLate: false,
    });
    return { ok: true, token, event: { kind: 'joined', nodeId, address } };
  }
  if (sameAddress(holder.address, from)) {
    // The process at the holder's own address is the holder: the same trust a token relies on.
    holder.keyHash = hashNodeKey(request.nodeKey);
    const token = context.newToken();
    registry.renew(holder, token, address, nowMs);
    return { ok: true, token, event: { kind: 'reregistered', nodeId, address } };
  }
  if (keyMatches(request.nodeKey, holder.keyHash)) {
    const previous = holder.address;
    const token = context.newToken();
    registry.renew(holder, token, address, nowMs);
    return { ok: true, token, event: { kind: 'rejoined', nodeId, address, previous } };
  }
  const text = `node id ${nodeId} is in use by ${formatAddress(holder.address)}`;
  return { ok: false, code: 'id-in-use', text };
}

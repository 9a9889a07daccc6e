/**
 * What a simulated node does with a datagram from a tracker: match it to the request (txid and
 * the tracker it went to, as the real endpoint does), count it in the window, and take the next
 * step of the conversation (prove a challenge, announce files once registered, register again).
 */
import { decode } from '../../source/protocol/codec.ts';
import type { NeedReplyMessage } from '../../source/protocol/messages.ts';
import { FILE_SIZE_BYTES } from './sim-files.ts';
import type { Outgoing, SimNode } from './sim-node.ts';
import type { SimSwarm } from './sim-swarm.ts';
import { countWindowReply } from './window-figures.ts';

/** Handles one datagram that reached `node`'s socket from port `fromPort` of a tracker. */
export function onTrackerReply(
  swarm: SimSwarm,
  node: SimNode,
  datagram: Buffer,
  fromPort: number,
): void {
  const decoded = decode(datagram);
  if (!decoded.ok) return;
  const attempt = swarm.table.get(decoded.txid);
  // Late (already given up), stray, or from a tracker the request did not go to.
  if (attempt === undefined || attempt.item.node !== node || attempt.to.port !== fromPort) return;
  swarm.table.delete(decoded.txid);
  const { item } = attempt;
  const { message } = decoded;
  const latencyMs = performance.now() - item.firstSentMs;
  if (item.phase === 'measure')
    countWindowReply(swarm.window, item.request.type, message, latencyMs);
  node.trackers.answered();
  const recorder = swarm.recorder;
  recorder?.answered(node.id, fromPort);
  if (item.moved) recorder?.movedAnswered(latencyMs);
  switch (message.type) {
    case 'challenge':
      swarm.prove(node, message.challenge, attempt.to);
      return;
    case 'registered':
      swarm.heartbeatIntervalMs ||= message.heartbeatIntervalMs;
      swarm.registered(node, Buffer.from(message.token));
      return;
    case 'error':
      if (message.code === 'reregister') reregister(swarm, item);
      return;
    case 'ack':
      if (item.request.type === 'update') acknowledgedUpdate(swarm, item, fromPort);
      return;
    case 'need-reply':
      if (item.ownerId !== null && item.ownerId !== node.id) {
        recorder?.needAnswered(listsOwner(message, item.ownerId));
      }
      return;
  }
}

/** The real client's pause before registering again after 'reregister': at most this long. */
const REREGISTER_JITTER_CAP_MS = 2_000;

/**
 * 'reregister' (the tracker restarted or does not know the session). One tracker: register at
 * once, as this generator always did. Several: as the real client, after a pause of up to a
 * quarter heartbeat, then the request once more with the new token (SimSwarm.registered).
 */
function reregister(swarm: SimSwarm, item: Outgoing): void {
  const { node } = item;
  swarm.recorder?.reregistered();
  if (!swarm.failover) {
    swarm.register(node);
    return;
  }
  if (item.registeredAgain || swarm.phase === 'drain') return;
  item.registeredAgain = true;
  node.token = null;
  node.waiting = [...(node.waiting ?? []), item];
  if (node.registering) return;
  node.registering = true;
  const capMs = Math.min(swarm.heartbeatIntervalMs / 4, REREGISTER_JITTER_CAP_MS);
  swarm.registerAfter(node, Math.random() * capMs);
}

function acknowledgedUpdate(swarm: SimSwarm, item: Outgoing, fromPort: number): void {
  const request = item.request;
  if (request.type !== 'update') return;
  swarm.recorder?.updateAcked(
    item.node.id,
    request.infohash.toString('hex'),
    FILE_SIZE_BYTES,
    request.credits,
    fromPort,
  );
}

function listsOwner(reply: NeedReplyMessage, ownerId: number): boolean {
  return reply.matches.some((match) => match.owners.some((owner) => owner.nodeId === ownerId));
}

/**
 * What a simulated node does when a request ran out of retries at one tracker (see
 * sim-swarm.ts for the two sets of rules): count it, and with several trackers move on as the
 * real client does (source/peer/tracker-client.ts: doRegister, call, unreachable).
 */
import type { Attempt } from './request-table.ts';
import type { Outgoing, SimNode } from './sim-node.ts';
import type { SimSwarm } from './sim-swarm.ts';

/** A request given up at `attempt.to`; `final`: the run is over, nothing follows. */
export function onGivenUp(swarm: SimSwarm, attempt: Attempt<Outgoing>, final: boolean): void {
  const { item } = attempt;
  const { node, request } = item;
  if (item.phase === 'measure') swarm.window.timedOut++;
  else if (item.phase === 'ramp') swarm.rampTimedOut++;
  swarm.recorder?.timedOut();
  const registering = request.type === 'register' || request.type === 'register-proof';
  if (registering) {
    if (final || swarm.phase === 'drain') return;
    // The real client tries the next tracker at once; after a whole round it backs off. With
    // one tracker moveOn is always false: the generator's backoff, as before.
    if (node.trackers.moveOn(attempt.to)) swarm.register(node);
    else registrationFailed(swarm, node);
    return;
  }
  if (!swarm.failover) return; // One tracker: a timeout is only counted.
  if (!final && item.movesLeft-- > 0 && node.trackers.moveOn(attempt.to)) {
    item.moved = true;
    swarm.recorder?.moved();
    swarm.transmit(item);
    return;
  }
  unanswered(swarm, item);
  if (final || swarm.phase === 'drain') return;
  // The real client drops the session and registers with backoff (its unreachable()).
  node.token = null;
  if (node.registering) return;
  node.registering = true;
  swarm.retryLater(node);
}

/** Every tracker failed to register the node: what waited for it fails too, then backoff. */
function registrationFailed(swarm: SimSwarm, node: SimNode): void {
  for (const item of node.waiting ?? []) unanswered(swarm, item);
  node.waiting = null;
  swarm.retryLater(node);
}

function unanswered(swarm: SimSwarm, item: Outgoing): void {
  swarm.recorder?.unanswered();
  if (item.request.type === 'update') swarm.recorder?.updateUnacknowledged();
}

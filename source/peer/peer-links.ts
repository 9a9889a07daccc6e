import type { Clock } from '../clock.ts';
import type { UdpEndpoint } from '../net/endpoint.ts';
import type { RemoteAddress } from '../net/transport.ts';
import { PeerLink, type WindowLimits } from './peer-link.ts';

/**
 * A cookie is good for one to two minutes at the node that gave it (its time slot and the next,
 * cookie-jar.ts), so one older than this is renewed by a HELLO before it is relied on, as BEP 15
 * has a client use a connection id for one minute. Before, a link held by a download that did
 * not run (paused, or its disk full) kept its cookie for good: a new download from that node
 * 20 minutes later asked for the metainfo with it, was told `bad-cookie`, took the owner for
 * dead and asked again with the same cookie for as long as it ran (found by hand in a view left
 * open). A running transfer renews it too, before its requests are refused.
 */
export const COOKIE_RENEW_MS = 45_000;

interface Held {
  link: PeerLink;
  /** The HELLO out now, shared by everyone who asked for it. */
  hello: { epoch: number; outcome: Promise<boolean> } | null;
}

/**
 * The node's links to the remote nodes its downloads fetch from, one per node id (ids are
 * unique in a swarm: the tracker binds each to one key). A link lives while a download holds it,
 * so the table is bounded by the owners of the running downloads, not by every node ever met.
 */
export class PeerLinks {
  private readonly held = new Map<number, Held>();

  constructor(
    private readonly deps: {
      endpoint: Pick<UdpEndpoint, 'request'>;
      clock: Pick<Clock, 'now'>;
      selfNodeId: number;
      limits: WindowLimits;
    },
  ) {}

  /** Links held now. */
  get size(): number {
    return this.held.size;
  }

  get(nodeId: number): PeerLink | undefined {
    return this.held.get(nodeId)?.link;
  }

  /**
   * The link to `nodeId`, made if no download holds one; at `address` from now on (a node that
   * restarted elsewhere moves for every download). The download then joins it (its
   * OwnerSession does) and calls release() once it has left.
   */
  acquire(nodeId: number, address: RemoteAddress): PeerLink {
    let entry = this.held.get(nodeId);
    if (entry === undefined) {
      entry = { link: new PeerLink(nodeId, address, this.deps.limits), hello: null };
      this.held.set(nodeId, entry);
    } else {
      entry.link.moveTo(address);
    }
    return entry.link;
  }

  /** Forgets the link once no download uses it any more. */
  release(link: PeerLink): void {
    const entry = this.held.get(link.nodeId);
    if (entry?.link === link && link.userCount === 0) this.held.delete(link.nodeId);
  }

  /**
   * Makes sure the link has a cookie: true once it has one for its current address. Without
   * `fresh` a link whose cookie is younger than COOKIE_RENEW_MS answers at once (another
   * download said HELLO already); an older one is renewed, and with `fresh` (a probe of a node
   * that went silent) a HELLO goes out regardless. The cookie it has stays in use meanwhile
   * (still good at the node). Callers asking while a HELLO for the same address is out share
   * its outcome.
   */
  greet(link: PeerLink, fresh = false): Promise<boolean> {
    const entry = this.held.get(link.nodeId);
    if (entry === undefined || entry.link !== link) return Promise.resolve(false);
    const young = this.deps.clock.now() - link.cookieAtMs < COOKIE_RENEW_MS;
    if (link.cookie !== null && young && !fresh) return Promise.resolve(true);
    const out = entry.hello;
    if (out !== null && out.epoch === link.cookieEpoch) return out.outcome;
    const epoch = link.cookieEpoch;
    const outcome = this.deps.endpoint
      .request(link.address, { type: 'hello', nodeId: this.deps.selfNodeId })
      .then((answer): boolean | Promise<boolean> => {
        if (entry.hello?.epoch === epoch) entry.hello = null;
        // Its cookie was voided while the HELLO was out (it moved, or refused the cookie): the
        // answer says nothing of it now, so everyone waiting gets the outcome of a new one.
        if (epoch !== link.cookieEpoch) return this.greet(link);
        if (answer.ok && answer.reply.type === 'welcome')
          return link.greeted(epoch, answer.reply.cookie, answer.rttMs, this.deps.clock.now());
        link.unanswered(epoch);
        return false;
      });
    entry.hello = { epoch, outcome };
    return outcome;
  }
}

/**
 * One simulated node of the load generator and one of its requests, with the state the real
 * client keeps for them (source/peer/tracker-client.ts): token, backoff, tracker choice.
 */
import type { Socket } from 'node:dgram';
import type { TrackerChoice } from '../../source/peer/tracker-choice.ts';
import { RETRY_MIN_MS } from '../../source/peer/tracker-client.ts';
import type { TrackerRequest } from '../../source/protocol/messages.ts';

/**
 * The generator's phases: only requests first sent in 'measure' count in the window. After it,
 * one tracker: 'drain' (requests in flight get their time, nothing new). Several: 'follow' (the
 * schedule goes on until the failover is complete), then 'linger' (heartbeats only, under the
 * real rules, until the bench has read the shared view and stops the generator).
 */
export type Phase = 'ramp' | 'measure' | 'follow' | 'linger' | 'drain';

/** One simulated node. */
export interface SimNode {
  readonly id: number;
  readonly host: string;
  socket: Socket | null;
  token: Buffer | null;
  registeredOnce: boolean;
  /** The next registration retry waits this long (jittered), as a real node's does. */
  retryDelayMs: number;
  /** The trackers in this node's order (its generator's own first) and the one in use. */
  readonly trackers: TrackerChoice;
  /** Several trackers: a registration is under way or waits for its backoff (one at a time). */
  registering: boolean;
  /** Several trackers: requests to send again once registered (they got 'reregister'). */
  waiting: Outgoing[] | null;
}

/** One request, through its retransmissions and moves to other trackers. */
export interface Outgoing {
  readonly node: SimNode;
  request: TrackerRequest;
  /** The phase it was first sent in. */
  readonly phase: Phase;
  readonly firstSentMs: number;
  /** Other trackers it may still be sent to (the real client's `movesLeft`). */
  movesLeft: number;
  registeredAgain: boolean;
  moved: boolean;
  /** NEED and UPDATE: the node whose file they are about. */
  readonly ownerId: number | null;
}

/** A simulated node's first state. */
export function newSimNode(id: number, host: string, trackers: TrackerChoice): SimNode {
  return {
    id,
    host,
    socket: null,
    token: null,
    registeredOnce: false,
    retryDelayMs: RETRY_MIN_MS,
    trackers,
    registering: false,
    waiting: null,
  };
}

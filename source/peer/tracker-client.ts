import type { Clock, TimerHandle } from '../clock.ts';
import { defaults } from '../config.ts';
import { formatAddress, formatSeconds } from '../format.ts';
import { optionsKeepingPatience, type RequestOptions, type UdpEndpoint } from '../net/endpoint.ts';
import { describeSendFailure } from '../net/send-failure.ts';
import type { RemoteAddress } from '../net/transport.ts';
import type {
  Credit,
  HostPort,
  ListReplyMessage,
  NeedQuery,
  NeedReplyMessage,
  OwnState,
  TrackerErrorCode,
  TrackerReply,
  TrackerRequest,
} from '../protocol/messages.ts';
import { RttEstimator } from './download/rtt-estimator.ts';
import type { NodeIdentity } from './identity.ts';
import { OwnBatcher } from './own-batcher.ts';
import { FAILOVER_REQUEST_RETRIES, TrackerChoice, type TrackerLookedUp } from './tracker-choice.ts';
import { proveIdentity } from './tracker-registration.ts';

export type TrackerStatus = 'registering' | 'registered' | 'retrying' | 'refused';

/**
 * A request's result. `refused`: the tracker answered with an ERROR (sending the same request
 * again gets the same answer); `later`: it answered `not-yet` (send it again in a while);
 * otherwise no tracker answered, or this node is not registered.
 */
export type TrackerOutcome<T> =
  | { ok: true; reply: T }
  | { ok: false; reason: string; refused?: true; later?: true };

/** An ERROR as an outcome: `not-yet` asks for the request again later, the rest refuse it. */
function errorOutcome(reply: { code: TrackerErrorCode; text: string }): TrackerOutcome<never> {
  return reply.code === 'not-yet'
    ? { ok: false, reason: reply.text, later: true }
    : { ok: false, reason: reply.text, refused: true };
}

/** What a leaving node waits for each of its last requests (EXIT, owed UPDATEs). */
const LEAVING_BUDGET_MS = 1_000;
const NO_ANSWER = 'the tracker did not answer in time';
/** A request unanswered this long is said beside `registered` (a LAN tracker answers in ms). */
const NO_ANSWER_SHOWN_MS = 2_000;

/** Three tries within `timeoutMs`: a lost datagram costs a quarter of it, not the whole wait. */
function leavingRequestOptions(timeoutMs: number) {
  return { timeoutMs: timeoutMs / 4, retries: 2, timeoutCapMs: timeoutMs / 2 };
}

/**
 * The least first wait for a tracker whose round trips are known. A tracker of 100,000 nodes
 * answered NEED within 15 ms at p99 and stalled up to ~60 ms now and then
 * (docs/performance-log.md): its answers must not be taken for losses, which would resend to a
 * busy tracker.
 */
export const MIN_TRACKER_TIMEOUT_MS = 200;

/**
 * Cap of the wait between registration attempts while the tracker is unreachable. A restarted
 * tracker keeps the nodes it restored for one sweep period (22 s by default) before it drops
 * them, and a dropped node comes back as a new one: its credit gone, its files announced anew.
 * Waits of up to 1.5 times this cap, after the last resend of an attempt (4 s at most), must
 * fall inside that grace: 8 s gives at most 16 s of silence. At 30 s (until 2026-12-06) a node
 * was silent up to 49 s, and one was dropped 0.1 s before its REGISTER arrived (by hand).
 */
export const RETRY_CAP_MS = 8_000;
/** The first wait; it doubles up to the cap (the tracker-scale bench's nodes do the same). */
export const RETRY_MIN_MS = 1_000;

/**
 * How long a request waits for the tracker in all (its resends included) before the tracker
 * counts as unreachable, and the cap of the waits between registrations after that. The real
 * world's are the endpoint's usual patience (11.5 s) and RETRY_CAP_MS; tests of an outage
 * shorten both, so that an outage is noticed and healed in seconds.
 */
export interface TrackerPatience {
  requestMs: number;
  retryCapMs: number;
}

function newTrackerRtt(): RttEstimator {
  return new RttEstimator(
    MIN_TRACKER_TIMEOUT_MS,
    defaults.requestTimeoutMs,
    defaults.requestTimeoutMs,
  );
}

type WithoutToken<T> = T extends { token: Buffer } ? Omit<T, 'token'> : never;

/**
 * This node's side of the tracker conversation: REGISTER, heartbeats on the period the tracker
 * names, re-registration (with jitter, so a restarted tracker is not hit by the whole swarm at
 * once) and the token on every request. Tracker trouble never stops the node: it is a status.
 */
export class TrackerClient {
  status: TrackerStatus = 'registering';
  /** Monotonic ms when the current status began (for "retrying since ..."). */
  statusSinceMs: number;
  /** The same moment as wall-clock ms, read once: a view shows it, and it must not drift. */
  statusSinceWallMs: number;
  lastError = '';
  /** The tracker's code with the refusal of our registration, while status is 'refused'. */
  private refusedCode: TrackerErrorCode | null = null;
  heartbeatIntervalMs = 20_000;
  private token: Buffer | null = null;
  private timer: TimerHandle | null = null;
  private retryDelayMs = RETRY_MIN_MS;
  private stopped = false;
  private registering: Promise<boolean> | null = null;
  private readonly trackers: TrackerChoice;
  /** Each tracker's round trips, by its address in `trackers.all`. */
  private readonly roundTrips = new Map<RemoteAddress, RttEstimator>();
  private lookingUp = false;
  /** Requests waiting for a tracker, and since when: the oldest one's sending, or the latest answer. */
  private awaiting = 0;
  private awaitedSinceMs = 0;
  /** Announcements on their way, gathered into OWN-MANY datagrams. */
  private readonly owns = new OwnBatcher({
    one: async (entry) => {
      const outcome = await this.call({ type: 'own', ...entry });
      return outcome.ok ? { ok: true, reply: null } : outcome;
    },
    many: async (entries) => {
      const outcome = await this.call({ type: 'own-many', entries });
      if (!outcome.ok) return outcome;
      const reply = outcome.reply;
      return reply.type === 'own-many-reply' &&
        reply.refused.every(({ index }) => index < entries.length)
        ? { ok: true, reply: reply.refused }
        : { ok: false, reason: 'unexpected reply to OWN-MANY' };
    },
  });

  constructor(
    private readonly deps: {
      endpoint: UdpEndpoint;
      clock: Clock;
      /** The swarm's trackers, in order of preference: one is used at a time. */
      tracker: RemoteAddress | readonly RemoteAddress[];
      nodeId: number;
      identity: NodeIdentity;
      log(text: string): void;
      /** Registered again after losing the session: re-announce what we seed. */
      onRegistered(again: boolean): void;
      changed(): void;
      /**
       * The trackers looked up again, in the order of `tracker` (those given by host name; see
       * TrackerLookedUp). Asked each time every tracker failed a whole round.
       */
      lookUpAgain?: () => Promise<readonly TrackerLookedUp[]>;
      /**
       * An id in use is asked again with backoff, as a full tracker is, instead of refused for
       * good: a view a person watches (its holder may exit or fall silent, as the refusal says).
       * Until 2026-12-07 the view stayed refused, the id free long since (found by a session).
       */
      askAgainIfIdInUse?: boolean;
      patience?: TrackerPatience;
    },
  ) {
    this.statusSinceMs = deps.clock.now();
    this.statusSinceWallMs = deps.clock.wallNow();
    this.trackers = new TrackerChoice(deps.tracker);
    for (const tracker of this.trackers.all) this.roundTrips.set(tracker, newTrackerRtt());
  }

  /** The tracker in use now. */
  get trackerAddress(): RemoteAddress {
    return this.trackers.current;
  }

  /** The tracker in use for a view: `host:port`, and which of several (`2 of 3`). */
  get trackerLabel(): string {
    const { current, all } = this.trackers;
    const which = all.length > 1 ? ` (${all.indexOf(current) + 1} of ${all.length})` : '';
    return `${formatAddress(current)}${which}`;
  }

  /**
   * First registration. Resolves false only when the tracker refused our id (in use by another
   * node) for good; any other refusal (a full tracker) is asked again with backoff, as for a
   * tracker that does not answer. Before, a headless node refused `tracker is full` exited 1
   * where the view went on asking, and the view's --download never started once the tracker let
   * it in.
   */
  async start(): Promise<boolean> {
    await this.register(false);
    return !(this.status === 'refused' && this.refusedForGood);
  }

  /** Refused, but asked again with backoff (a full tracker; an id in use, where so asked). */
  get asksAgain(): boolean {
    return this.status === 'refused' && !this.refusedForGood;
  }

  /**
   * Registered, how long a request has waited for the tracker with no answer from it since, once
   * that is NO_ANSWER_SHOWN_MS or more (0 otherwise): a tracker that died read `registered` for up
   * to a heartbeat period and a request's whole patience (31 s) before `retrying`.
   */
  unansweredForMs(): number {
    if (this.status !== 'registered' || this.awaiting === 0) return 0;
    const waitedMs = this.deps.clock.now() - this.awaitedSinceMs;
    return waitedMs >= NO_ANSWER_SHOWN_MS ? waitedMs : 0;
  }

  private get refusedForGood(): boolean {
    return this.refusedCode === 'id-in-use' && this.deps.askAgainIfIdInUse !== true;
  }

  private register(again: boolean): Promise<boolean> {
    this.registering ??= this.doRegister(again).finally(() => {
      this.registering = null;
    });
    return this.registering;
  }

  private async doRegister(again: boolean): Promise<boolean> {
    // A refusal asked again stays one until the tracker says otherwise: no flicker per attempt.
    if (this.status !== 'retrying' && this.status !== 'refused') this.setStatus('registering');
    const { endpoint, nodeId, identity } = this.deps;
    const tracker = this.trackers.current;
    const stopped = () => this.stopped;
    const reply = await proveIdentity(
      endpoint,
      tracker,
      nodeId,
      identity,
      stopped,
      this.requestOptions(tracker),
      (rttMs) => this.roundTripsOf(tracker).addSample(rttMs),
    );
    if (this.stopped) {
      // Granted while leaving: exit() says EXIT with this session (see there).
      if (reply?.type === 'registered') this.token = Buffer.from(reply.token);
      return false;
    }
    if (reply === null || (reply.type !== 'registered' && reply.type !== 'error')) {
      // The next tracker at once; once every one failed, the retries back off.
      if (this.moveOn(tracker, 'does not answer')) return this.doRegister(again);
      this.unreachable();
      return false;
    }
    // A full tracker cannot take this node, but the next one may: as for one that does not
    // answer. Before, `--tracker A,B` with A full was refused (a headless node exited 1).
    if (reply.type === 'error' && reply.code === 'full' && this.trackers.several) {
      if (this.moveOn(tracker, 'is full')) return this.doRegister(again);
    }
    if (reply.type === 'error') {
      const retrying = reply.code !== 'id-in-use' || this.deps.askAgainIfIdInUse === true;
      // Said once per refusal, not once per attempt (every 16 s at most); an id in use counts its
      // seconds down, which makes no new refusal (the view's header shows them).
      if (this.status !== 'refused' || withoutCount(reply.text) !== withoutCount(this.lastError))
        this.deps.log(
          `tracker refused registration: ${reply.text}${retrying ? '; asking again with backoff' : ''}`,
        );
      this.lastError = reply.text;
      this.refusedCode = reply.code;
      this.setStatus('refused');
      if (retrying) this.schedule(this.nextRetryDelay(), () => this.register(again));
      return false;
    }
    this.trackers.answered();
    const wasDown = this.status === 'retrying';
    this.token = Buffer.from(reply.token);
    this.heartbeatIntervalMs = reply.heartbeatIntervalMs;
    this.retryDelayMs = RETRY_MIN_MS;
    this.lastError = '';
    this.setStatus('registered');
    this.deps.log(
      `registered with tracker ${formatAddress(this.trackers.current)} (heartbeat every ${formatSeconds(reply.heartbeatIntervalMs, 1)})${wasDown ? ' after an outage' : ''}`,
    );
    this.scheduleHeartbeat();
    this.deps.onRegistered(again || wasDown);
    return true;
  }

  private unreachable(): void {
    this.token = null;
    if (this.status !== 'retrying') {
      this.setStatus('retrying');
      this.lastError = 'tracker unreachable';
      const which = this.trackers.several ? 'trackers' : 'tracker';
      this.deps.log(
        `${which} ${this.trackers.all.map(formatAddress).join(', ')} unreachable${this.refusals()}; retrying with backoff, seeding to known peers continues`,
      );
    }
    this.schedule(this.nextRetryDelay(), () => this.register(true));
    this.lookUpAgain();
  }

  /**
   * Every tracker failed a round: one given by host name may be elsewhere now (a new lease, a
   * new machine). Where the name points elsewhere, that address replaces the old one and is
   * asked at once. Before, a name was looked up once at start, and a node whose tracker moved
   * retried the old address until it was restarted.
   */
  private lookUpAgain(): void {
    const lookUp = this.deps.lookUpAgain;
    if (lookUp === undefined || this.lookingUp) return;
    this.lookingUp = true;
    // A look-up that fails is nothing new: the addresses stay as they are.
    void lookUp()
      .then(
        (found) => this.trackersFound(found),
        () => {},
      )
      .finally(() => {
        this.lookingUp = false;
      });
  }

  private trackersFound(found: readonly TrackerLookedUp[]): void {
    if (this.stopped || this.status !== 'retrying') return;
    let firstMoved = -1;
    for (const [index, { given, address }] of found.entries()) {
      const old = this.trackers.all[index];
      if (address === null || old === undefined) continue;
      if (address.address === old.address && address.port === old.port) continue;
      this.trackers.replace(index, address);
      this.roundTrips.delete(old);
      this.roundTrips.set(address, newTrackerRtt());
      this.deps.log(
        `tracker ${given} is ${formatAddress(address)} now (was ${formatAddress(old)})`,
      );
      if (firstMoved < 0) firstMoved = index;
    }
    if (firstMoved < 0) return;
    // The first that moved, in the order given, is asked at once.
    this.trackers.tryNext(firstMoved);
    this.retryDelayMs = RETRY_MIN_MS;
    this.deps.changed();
    this.schedule(0, () => this.register(true));
  }

  /**
   * ` (sending fails with ENETUNREACH: …)` where the kernel refused the sends to the trackers
   * (nothing reached them), each reason once, naming the trackers it is not common to.
   */
  private refusals(): string {
    const trackersBy = new Map<string, string[]>();
    for (const tracker of this.trackers.all) {
      const failure = this.deps.endpoint.sendFailureTo(tracker.address);
      if (failure === null) continue;
      const why = describeSendFailure(failure);
      trackersBy.set(why, [...(trackersBy.get(why) ?? []), formatAddress(tracker)]);
    }
    const whys = [...trackersBy].map(([why, trackers]) =>
      trackers.length === this.trackers.all.length ? why : `${trackers.join(', ')}: ${why}`,
    );
    return whys.length === 0 ? '' : ` (${whys.join('; ')})`;
  }

  private nextRetryDelay(): number {
    const delay = this.retryDelayMs * (0.5 + Math.random());
    this.retryDelayMs = Math.min(
      this.retryDelayMs * 2,
      this.deps.patience?.retryCapMs ?? RETRY_CAP_MS,
    );
    return delay;
  }

  private scheduleHeartbeat(): void {
    this.schedule(this.heartbeatIntervalMs, () => this.heartbeat());
  }

  private async heartbeat(): Promise<void> {
    const outcome = await this.call({ type: 'heartbeat' });
    // While unreachable the registration retries own the timer; otherwise keep the beat.
    if (!this.stopped && (outcome.ok || this.status === 'registered')) this.scheduleHeartbeat();
  }

  /**
   * The tracker in use did not answer: the next one becomes current. True when it should be
   * tried at once (it has not failed in this round); false when every tracker failed.
   */
  private moveOn(from: RemoteAddress, why: string): boolean {
    const moving = from === this.trackers.current;
    if (!this.trackers.moveOn(from)) return false;
    if (!moving) return true;
    const failure = this.deps.endpoint.sendFailureTo(from.address);
    const because = failure === null ? '' : ` (${describeSendFailure(failure)})`;
    this.deps.log(
      `tracker ${formatAddress(from)} ${why}${because}; moving to ${formatAddress(this.trackers.current)}`,
    );
    this.deps.changed();
    return true;
  }

  private roundTripsOf(tracker: RemoteAddress): RttEstimator {
    // A request begun before its tracker was replaced (lookUpAgain) learns nothing it keeps.
    return this.roundTrips.get(tracker) ?? newTrackerRtt();
  }

  /**
   * How a request to `tracker` waits. The first wait is its round trips' SRTT + 4 RTTVAR (RFC
   * 6298), between MIN_TRACKER_TIMEOUT_MS and the usual 500 ms, which it is until the tracker
   * first answered: a lost NEED or heartbeat on a LAN costs 200 ms, not 500. With other trackers
   * to move to, a request gives up on one sooner (FAILOVER_REQUEST_RETRIES); alone, it keeps the
   * usual patience.
   */
  private requestOptions(tracker: RemoteAddress): RequestOptions {
    const firstMs = this.roundTripsOf(tracker).timeoutMs;
    const options = optionsKeepingPatience(firstMs, this.deps.patience?.requestMs);
    return this.trackers.several ? { ...options, retries: FAILOVER_REQUEST_RETRIES } : options;
  }

  /**
   * Sends a request with our token. A tracker that does not answer is left for the next one,
   * with the same token (trackers sharing one store accept it; another asks us to register). A
   * 'reregister' answer (the tracker restarted or forgot us) registers again, after a random
   * pause of up to a quarter heartbeat, and retries once.
   */
  private async call(request: WithoutToken<TrackerRequest>): Promise<TrackerOutcome<TrackerReply>> {
    let registeredAgain = false;
    // Each tracker at most once, whatever other requests do meanwhile.
    let movesLeft = this.trackers.all.length - 1;
    for (;;) {
      if (this.token === null) {
        return { ok: false, reason: this.lastError || 'not registered with the tracker yet' };
      }
      const target = this.trackers.current;
      const token = this.token;
      if (this.awaiting++ === 0) this.awaitedSinceMs = this.deps.clock.now();
      const outcome = await this.deps.endpoint
        .request(target, { ...request, token } as TrackerRequest, this.requestOptions(target))
        .finally(() => this.awaiting--);
      // An answer says the tracker is there: requests still waiting count from it.
      if (outcome.ok) this.awaitedSinceMs = this.deps.clock.now();
      if (this.stopped) return { ok: false, reason: 'stopped' };
      if (!outcome.ok) {
        // Another request registered meanwhile: a tracker answered since this one was sent
        // (after a process stopped for a while, every request in flight times out at once).
        // Sent again with the new token; declared unreachable, it would register once more.
        if (this.token !== null && this.token !== token) continue;
        if (this.token === null)
          return { ok: false, reason: this.lastError || 'tracker unreachable' };
        if (movesLeft-- > 0 && this.moveOn(target, 'does not answer')) continue;
        this.token = null;
        this.unreachable();
        return { ok: false, reason: 'tracker unreachable' };
      }
      if (outcome.rttMs !== null) this.roundTripsOf(target).addSample(outcome.rttMs);
      this.trackers.answered();
      const reply = outcome.reply as TrackerReply;
      const reregister = reply.type === 'error' && reply.code === 'reregister';
      // The answer to a session another request replaced meanwhile: sent again with the new one.
      if (reregister && this.token !== null && this.token !== token) continue;
      if (!reregister || registeredAgain) {
        if (reply.type !== 'error') return { ok: true, reply };
        // A session lost again at once (another request registered meanwhile) is no refusal.
        return reregister ? { ok: false, reason: reply.text } : errorOutcome(reply);
      }
      registeredAgain = true;
      // Said once: after a stop every request in flight hears it (three lines, found by hand).
      if (this.token === token)
        this.deps.log('tracker asked us to register again (it restarted or dropped us)');
      this.token = null;
      const jitterMs = Math.random() * Math.min(this.heartbeatIntervalMs / 4, 2_000);
      await new Promise<void>((resolve) => this.deps.clock.setTimeout(resolve, jitterMs));
      // Another request may have registered during the pause: its session serves this one too.
      if (this.token === null && !(await this.register(true)))
        return { ok: false, reason: this.lastError };
    }
  }

  /**
   * Announces that this node serves the whole file, some pieces of it, or no longer serves it.
   * Announcements made together go together (OwnBatcher): call this for every file at once.
   */
  own(
    infohash: Buffer,
    name: string,
    sizeBytes: number,
    state: OwnState = 'complete',
  ): Promise<TrackerOutcome<null>> {
    return this.owns.own({ infohash, state, size: sizeBytes, name });
  }

  /** Owners of a file, best first; `exclude` leaves out owners this node already uses or banned. */
  async need(
    query: NeedQuery,
    maxOwners: number,
    exclude: number[] = [],
  ): Promise<TrackerOutcome<NeedReplyMessage>> {
    const outcome = await this.call({ type: 'need', exclude, query, maxOwners });
    if (!outcome.ok) return outcome;
    return outcome.reply.type === 'need-reply'
      ? { ok: true, reply: outcome.reply }
      : { ok: false, reason: 'unexpected reply to NEED' };
  }

  async list(cursor: number): Promise<TrackerOutcome<ListReplyMessage>> {
    const outcome = await this.call({ type: 'list', cursor });
    if (!outcome.ok) return outcome;
    return outcome.reply.type === 'list-reply'
      ? { ok: true, reply: outcome.reply }
      : { ok: false, reason: 'unexpected reply to LIST' };
  }

  /** The node id registered at each of `addresses` (1 to MAX_WHO_ADDRESSES), 0 where none is. */
  async who(addresses: HostPort[]): Promise<TrackerOutcome<number[]>> {
    const outcome = await this.call({ type: 'who', addresses });
    if (!outcome.ok) return outcome;
    const reply = outcome.reply;
    return reply.type === 'who-reply' && reply.nodeIds.length === addresses.length
      ? { ok: true, reply: reply.nodeIds }
      : { ok: false, reason: 'unexpected reply to WHO' };
  }

  async update(
    infohash: Buffer,
    downloadId: Buffer,
    credits: Credit[],
  ): Promise<TrackerOutcome<null>> {
    const outcome = await this.call({ type: 'update', infohash, downloadId, credits });
    return outcome.ok ? { ok: true, reply: null } : outcome;
  }

  /**
   * UPDATE on the way out: the current tracker only, at most `timeoutMs`, with no move to
   * another tracker and no new registration (the node is leaving; the caller keeps what goes
   * unanswered on disk for its next start).
   */
  async updateBeforeExit(
    infohash: Buffer,
    downloadId: Buffer,
    credits: Credit[],
    timeoutMs = LEAVING_BUDGET_MS,
  ): Promise<TrackerOutcome<null>> {
    const token = this.token;
    if (token === null) return { ok: false, reason: 'not registered with the tracker' };
    const outcome = await this.deps.endpoint.request(
      this.trackers.current,
      { type: 'update', token, infohash, downloadId, credits },
      leavingRequestOptions(timeoutMs),
    );
    if (!outcome.ok) return { ok: false, reason: 'tracker unreachable' };
    const reply = outcome.reply as TrackerReply;
    if (reply.type !== 'error') return { ok: true, reply: null };
    // A tracker that forgot us (it restarted) credits nothing now; a registration later may.
    if (reply.code === 'reregister') return { ok: false, reason: reply.text };
    return errorOutcome(reply);
  }

  /**
   * Says goodbye (EXIT), waiting at most `timeoutMs` for the tracker to acknowledge: null once it
   * has, else why not. A tracker that restarted since we registered still lists this node (from
   * its store) but knows no session of it, so it asks us to register again: within the same
   * budget we prove who we are and say EXIT with the new session, or the node would stay listed
   * as an owner until two sweeps of silence drop it.
   */
  async exit(timeoutMs = LEAVING_BUDGET_MS): Promise<string | null> {
    const { clock, endpoint, nodeId, identity } = this.deps;
    const deadlineMs = clock.now() + timeoutMs;
    this.stop();
    // A registration in flight may still be granted, as when a node leaves at once because its
    // --seed file is missing: the tracker then listed it, heartbeat and all, until its sweeps
    // dropped it (found by hand). So it is waited for, within the same budget.
    const registering = this.registering;
    if (this.token === null && registering !== null) {
      await new Promise<void>((settled) => {
        const timer = clock.setTimeout(settled, timeoutMs);
        const done = () => {
          clock.clearTimeout(timer);
          settled();
        };
        registering.then(done, done);
      });
    }
    const token = this.token;
    if (token === null) return 'not registered with the tracker';
    const tracker = this.trackers.current;
    const said = await this.sayExit(tracker, token, deadlineMs - clock.now());
    if (said !== 'reregister') return said;
    const proved = await proveIdentity(
      endpoint,
      tracker,
      nodeId,
      identity,
      () => clock.now() >= deadlineMs,
      leavingRequestOptions(deadlineMs - clock.now()),
    );
    if (proved === null) return NO_ANSWER;
    if (proved.type !== 'registered')
      return `the tracker refused: ${proved.type === 'error' ? proved.text : proved.type}`;
    const left = deadlineMs - clock.now();
    if (left <= 0) return NO_ANSWER;
    const again = await this.sayExit(tracker, Buffer.from(proved.token), left);
    return again === 'reregister' ? 'the tracker forgot the new session at once' : again;
  }

  /** One EXIT: null when acknowledged, 'reregister' when the session is unknown, else why not. */
  private async sayExit(tracker: RemoteAddress, token: Buffer, timeoutMs: number) {
    const outcome = await this.deps.endpoint.request(
      tracker,
      { type: 'exit', token },
      leavingRequestOptions(timeoutMs),
    );
    if (!outcome.ok) return NO_ANSWER;
    const reply = outcome.reply as TrackerReply;
    if (reply.type !== 'error') return null;
    return reply.code === 'reregister' ? 'reregister' : `the tracker refused: ${reply.text}`;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
  }

  private schedule(delayMs: number, action: () => unknown): void {
    if (this.stopped) return;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = this.deps.clock.setTimeout(() => void action(), delayMs);
  }

  private setStatus(status: TrackerStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.statusSinceMs = this.deps.clock.now();
    this.statusSinceWallMs = this.deps.clock.wallNow();
    this.deps.changed();
  }
}

/** A refusal's text without its numbers: `… silent 43 s more` and `… 41 s more` are one refusal. */
function withoutCount(text: string): string {
  return text.replace(/\d+/g, '#');
}

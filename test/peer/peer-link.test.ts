import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { defaults } from '../../source/config.ts';
import type { RemoteAddress } from '../../source/net/transport.ts';
import { OwnerSession } from '../../source/peer/download/owner-session.ts';
import { PeerLink, STARVED_CLAIM_MS } from '../../source/peer/peer-link.ts';
import { COOKIE_RENEW_MS, PeerLinks } from '../../source/peer/peer-links.ts';

const HERE = { address: '127.0.0.1', port: 4000 };
const THERE = { address: '127.0.0.1', port: 4001 };
const COOKIE = new Uint8Array(16).fill(7);

function link(): PeerLink {
  return new PeerLink(3, HERE, defaults);
}

describe('PeerLink: its states', () => {
  test('greeting until welcomed, ready, quiet while choked, ready again', () => {
    const peer = link();
    assert.equal(peer.state(0), 'greeting');
    assert.equal(peer.greeted(peer.cookieEpoch, COOKIE), true);
    assert.equal(peer.state(0), 'ready');
    peer.onChoked(100, 600);
    assert.equal(peer.state(699), 'quiet');
    assert.equal(peer.state(700), 'ready');
  });

  test('a HELLO unanswered makes it unreachable; a later WELCOME makes it ready', () => {
    const peer = link();
    peer.unanswered(peer.cookieEpoch);
    assert.equal(peer.state(0), 'unreachable');
    peer.greeted(peer.cookieEpoch, COOKIE);
    assert.equal(peer.state(0), 'ready');
  });

  test('moving voids the cookie, and a WELCOME to a HELLO sent before the move is ignored', () => {
    const peer = link();
    const before = peer.cookieEpoch;
    assert.equal(peer.moveTo({ ...HERE }), false, 'the same address is no move');
    assert.equal(peer.moveTo(THERE), true);
    assert.deepEqual(peer.address, THERE);
    assert.equal(peer.greeted(before, COOKIE), false);
    assert.equal(peer.cookie, null);
    assert.equal(peer.state(0), 'greeting');
  });

  test('a refused cookie is forgotten: greeting again', () => {
    const peer = link();
    peer.greeted(peer.cookieEpoch, COOKIE);
    peer.forgetCookie();
    assert.equal(peer.state(0), 'greeting');
  });

  test('busy refusals back off exponentially up to 5 s, and halve the window once', () => {
    const peer = link();
    peer.greeted(peer.cookieEpoch, COOKIE);
    const window = peer.windowBlocks;
    const quiet: number[] = [];
    for (let refusal = 0; refusal < 9; refusal++) {
      peer.onBusy(0);
      quiet.push(peer.quietUntilMs);
    }
    assert.deepEqual(quiet, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    assert.equal(peer.windowBlocks, window / 2, 'one congestion event per round trip');
    peer.onBlock();
    assert.equal(peer.consecutiveBusy, 0, 'a block that arrives ends the run of refusals');
  });
});

describe('PeerLink: control requests', () => {
  /** Every wait of a request with `options`, first timeout to last. */
  function waits(options: { timeoutMs: number; retries: number; timeoutCapMs: number }) {
    const all = [options.timeoutMs];
    for (let i = 0; i < options.retries; i++)
      all.push(Math.min(all.at(-1)! * 2, options.timeoutCapMs));
    return all;
  }
  const usual = {
    timeoutMs: defaults.requestTimeoutMs,
    retries: defaults.requestRetries,
    timeoutCapMs: defaults.requestTimeoutCapMs,
  };
  const total = (list: number[]) => list.reduce((sum, ms) => sum + ms, 0);

  test('before a measured HELLO: the usual options (undefined)', () => {
    const peer = link();
    assert.equal(peer.controlRequestOptions(), undefined);
    peer.greeted(peer.cookieEpoch, COOKIE);
    assert.equal(peer.controlRequestOptions(), undefined, 'a WELCOME without a round trip');
  });

  test('a LAN round trip: first timeout 100 ms, doubling, at least the usual patience', () => {
    const peer = link();
    peer.greeted(peer.cookieEpoch, COOKIE, 1.2);
    const options = peer.controlRequestOptions()!;
    assert.deepEqual(waits(options), [100, 200, 400, 800, 1_600, 3_200, 4_000, 4_000]);
    assert.ok(total(waits(options)) >= total(waits(usual)));
  });

  test('a slow path: 4 round trips, never above the usual first timeout', () => {
    const peer = link();
    peer.greeted(peer.cookieEpoch, COOKIE, 60);
    assert.equal(peer.controlRequestOptions()!.timeoutMs, 240);
    peer.forgetCookie();
    peer.greeted(peer.cookieEpoch, COOKIE, 400);
    assert.deepEqual(peer.controlRequestOptions(), usual);
  });
});

/** A download that never needs to be asked again. */
const noAsk = () => {};

/** A greeted link and two downloads fetching from it, both active. */
function twoDownloads(): { peer: PeerLink; first: OwnerSession; second: OwnerSession } {
  const peer = link();
  peer.greeted(peer.cookieEpoch, COOKIE);
  const first = new OwnerSession(peer, defaults.minWindowBlocks, 0);
  const second = new OwnerSession(peer, defaults.minWindowBlocks, 0);
  first.state = 'active';
  second.state = 'active';
  return { peer, first, second };
}

describe('PeerLink: one window for every download from the node', () => {
  test('blocks asked by two downloads both count against it, and each keeps to its share', () => {
    const { peer, first, second } = twoDownloads();
    const window = defaults.initialWindowBlocks;
    assert.equal(first.freeWindow(1_000, 0, noAsk), window, 'alone on the link: all of it');
    first.asked(10, 0);
    // The second finds 6 blocks of room where its share is 8: it takes them and claims its share.
    assert.equal(second.freeWindow(1_000, 0, noAsk), window - 10);
    assert.equal(first.freeWindow(1_000, 0, noAsk), 0, 'the first holds more than its share now');
    second.asked(window - 10, 0);
    assert.equal(peer.inFlightBlocks, window);
    for (let block = 0; block < 4; block++) first.settled();
    assert.equal(
      first.freeWindow(1_000, 10, noAsk),
      window / 2 - 6,
      'back to its share, no further',
    );
    assert.equal(second.freeWindow(1_000, 10, noAsk), window / 2 - 6);
    second.forgetInFlight();
    assert.equal(peer.inFlightBlocks, 6, 'only the second download forgot its own');
    assert.equal(
      first.freeWindow(1_000, 10 + STARVED_CLAIM_MS, noAsk),
      window - 6,
      'a download with nothing in flight and no recent claim leaves all of it to the other',
    );
    second.leaveLink();
    assert.equal(first.freeWindow(1_000, 20, noAsk), window - 6);
  });

  test('a download short of its share is asked again as soon as another frees room', () => {
    const { first, second } = twoDownloads();
    const asked: string[] = [];
    const askFirst = () => asked.push('first');
    const askSecond = () => asked.push('second');
    first.freeWindow(1_000, 0, askFirst);
    first.asked(defaults.initialWindowBlocks, 0);
    first.settled();
    assert.deepEqual(asked, [], 'nobody waits: nobody is asked');
    first.asked(1, 0);
    assert.equal(second.freeWindow(1_000, 0, askSecond), 0, 'the first holds the whole window');
    assert.equal(second.wantsRoom, true);
    first.settled();
    assert.deepEqual(asked, ['second'], 'a block of the first left the window');
    assert.equal(second.wantsRoom, false, 'asked once per claim');
    first.settled();
    assert.deepEqual(asked, ['second']);
    assert.equal(second.freeWindow(1_000, 0, askSecond), 2, 'room, but below its share');
    second.asked(2, 0);
    first.forgetInFlight();
    assert.deepEqual(asked, ['second', 'second'], 'the first forgot its blocks');
    assert.equal(first.wantsRoom, false, 'the one freeing room is not asked');
  });

  test('an owner one download finds slow gets few blocks from it, never more than the link has', () => {
    const peer = link();
    peer.greeted(peer.cookieEpoch, COOKIE);
    const slow = new OwnerSession(peer, 2, 0);
    const other = new OwnerSession(peer, 2, 0);
    slow.state = 'slow';
    other.state = 'active';
    assert.equal(slow.freeWindow(1_000, 0, noAsk), 2);
    slow.asked(1, 0);
    assert.equal(slow.freeWindow(1_000, 0, noAsk), 1);
    other.asked(defaults.initialWindowBlocks - 1, 0);
    assert.equal(slow.freeWindow(1_000, 0, noAsk), 0);
    assert.equal(other.usable(0), true);
    peer.onChoked(0, 500);
    assert.equal(other.usable(499), false, 'a quiet link is usable by no download');
  });

  test('loss halves it once per round trip; slow start grows it by a block per block', () => {
    const peer = link();
    const start = peer.windowBlocks;
    peer.onBlock();
    assert.equal(peer.windowBlocks, start + 1);
    peer.onLoss(1_000);
    peer.onLoss(1_001);
    assert.equal(peer.windowBlocks, (start + 1) / 2);
    peer.onFastLoss(1_000 + peer.rtt.smoothedRttMs);
    assert.equal(peer.windowBlocks, ((start + 1) / 2) * 0.875);
  });

  test('on a path found to lose at random, its share of that loss costs no window; more does', () => {
    const peer = link();
    // A tenth of its blocks lost, steadily: the path's loss (the pacer forgives 15 %).
    for (let i = 0; i < 1_000; i++) {
      if (i % 10 === 0) peer.onFastLoss(i * 10, 0.15);
      else peer.onBlock();
    }
    assert.ok(peer.lossShare > 0.08 && peer.lossShare < 0.12, `${peer.lossShare}`);
    const kept = peer.windowBlocks;
    assert.equal(kept, defaults.maxWindowBlocks, 'never cut');
    const timeout = peer.rtt.timeoutMs;
    peer.onLoss(20_000, 0.15);
    assert.equal(peer.windowBlocks, kept, 'a timeout within that share keeps the window too');
    assert.ok(peer.rtt.timeoutMs > timeout, 'but the timer backs off');
    // A burst beyond it (a queue overflowing): the window gives way again.
    for (let i = 0; i < 10; i++) peer.onFastLoss(30_000 + i, 0.15);
    assert.ok(peer.lossShare > 0.15);
    assert.equal(peer.windowBlocks, kept * 0.875);
    // And where nothing was learned (forgiven 0), every loss counts as before.
    const fresh = link();
    fresh.onBlock();
    fresh.onFastLoss(1_000);
    assert.equal(fresh.windowBlocks, (defaults.initialWindowBlocks + 1) * 0.875);
  });
});

type HelloAnswer =
  | { ok: true; reply: { type: 'welcome'; cookie: Uint8Array } }
  | { ok: false; reason: string };

/** An endpoint whose HELLOs are answered by the test, one by one. */
class ScriptedEndpoint {
  readonly sent: RemoteAddress[] = [];
  private readonly waiting: ((answer: HelloAnswer) => void)[] = [];

  request(to: RemoteAddress): Promise<HelloAnswer> {
    this.sent.push(to);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  answer(answer: HelloAnswer): void {
    const next = this.waiting.shift();
    assert.ok(next, 'a HELLO is out');
    next(answer);
  }
}

const WELCOME: HelloAnswer = { ok: true, reply: { type: 'welcome', cookie: COOKIE } };

function links(endpoint: ScriptedEndpoint, clock = new ManualClock()): PeerLinks {
  return new PeerLinks({
    endpoint: endpoint as unknown as ConstructorParameters<typeof PeerLinks>[0]['endpoint'],
    clock,
    selfNodeId: 9,
    limits: defaults,
  });
}

describe('PeerLinks', () => {
  test('one link per node id while any download uses it', () => {
    const table = links(new ScriptedEndpoint());
    const a = table.acquire(3, HERE);
    const first = new OwnerSession(a, defaults.minWindowBlocks, 0);
    const b = table.acquire(3, HERE);
    const second = new OwnerSession(b, defaults.minWindowBlocks, 0);
    assert.equal(a, b);
    first.leaveLink();
    table.release(a);
    assert.equal(table.get(3), a, 'still used by the second download');
    second.leaveLink();
    table.release(b);
    assert.equal(table.size, 0);
    assert.notEqual(table.acquire(3, HERE), a, 'a new download gets a new link');
  });

  test('a node met at a new address moves for every download', () => {
    const table = links(new ScriptedEndpoint());
    const a = table.acquire(3, HERE);
    a.greeted(a.cookieEpoch, COOKIE);
    table.acquire(3, THERE);
    assert.deepEqual(a.address, THERE);
    assert.equal(a.cookie, null);
  });

  test('downloads asking at once share one HELLO; a link with a cookie needs none', async () => {
    const endpoint = new ScriptedEndpoint();
    const table = links(endpoint);
    const peer = table.acquire(3, HERE);
    const first = table.greet(peer);
    const second = table.greet(peer);
    assert.equal(endpoint.sent.length, 1);
    endpoint.answer(WELCOME);
    assert.deepEqual(await Promise.all([first, second]), [true, true]);
    assert.equal(await table.greet(peer), true);
    assert.equal(endpoint.sent.length, 1);
  });

  test('a cookie is renewed once it is COOKIE_RENEW_MS old, and kept in use meanwhile', async () => {
    // The node that gave it takes it for one to two minutes. Before, a link held by a download
    // that did not run kept it for good: a new download 20 minutes later asked with it, was
    // refused (bad-cookie) and took the node for dead, again and again.
    const endpoint = new ScriptedEndpoint();
    const clock = new ManualClock();
    const table = links(endpoint, clock);
    const peer = table.acquire(3, HERE);
    const first = table.greet(peer);
    endpoint.answer(WELCOME);
    assert.equal(await first, true);
    clock.advance(COOKIE_RENEW_MS - 1);
    assert.equal(await table.greet(peer), true);
    assert.equal(endpoint.sent.length, 1, 'young: no HELLO');
    clock.advance(1);
    const renewed = table.greet(peer);
    assert.equal(endpoint.sent.length, 2, 'old: a HELLO');
    assert.deepEqual(peer.cookie, Buffer.from(COOKIE), 'the old cookie is still used meanwhile');
    const NEW = Buffer.alloc(COOKIE.length, 0xee);
    endpoint.answer({ ok: true, reply: { type: 'welcome', cookie: NEW } });
    assert.equal(await renewed, true);
    assert.deepEqual(peer.cookie, NEW);
    assert.equal(await table.greet(peer), true);
    assert.equal(endpoint.sent.length, 2, 'renewed: young again');
  });

  test('a probe (fresh) says HELLO even with a cookie, and an unanswered one voids it', async () => {
    const endpoint = new ScriptedEndpoint();
    const table = links(endpoint);
    const peer = table.acquire(3, HERE);
    peer.greeted(peer.cookieEpoch, COOKIE);
    const probe = table.greet(peer, true);
    const again = table.greet(peer, true);
    assert.equal(endpoint.sent.length, 1, 'probes at once share one HELLO');
    endpoint.answer({ ok: false, reason: 'timeout' });
    assert.deepEqual(await Promise.all([probe, again]), [false, false]);
    assert.equal(peer.state(0), 'unreachable');
  });

  test('a cookie voided while the HELLO was out: everyone gets the outcome of a new one', async () => {
    const endpoint = new ScriptedEndpoint();
    const table = links(endpoint);
    const peer = table.acquire(3, HERE);
    const waiting = table.greet(peer);
    table.acquire(3, THERE);
    endpoint.answer(WELCOME);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(endpoint.sent, [HERE, THERE], 'the second HELLO goes to the new address');
    assert.equal(peer.cookie, null, 'the answer from the old address proves nothing');
    endpoint.answer(WELCOME);
    assert.equal(await waiting, true);
    assert.equal(peer.state(0), 'ready');
  });

  test('a released link is greeted by nobody', async () => {
    const endpoint = new ScriptedEndpoint();
    const table = links(endpoint);
    const peer = table.acquire(3, HERE);
    table.release(peer);
    assert.equal(await table.greet(peer), false);
    assert.equal(endpoint.sent.length, 0);
  });
});

/**
 * Refusals at a running tracker over real UDP never write a log line per datagram. A registered
 * attacker (127.0.0.66) announces names with C1 control characters (each refused, as README's
 * name rules say), then, as fast as it can, announces and withdraws a file in a loop and sends
 * thousands of refused OWNs (a known infohash with another size), forged tokens and garbage.
 * The log holds at most one full line per kind of refusal and one summary per kind with its
 * count and the top host; the host's accepted changes get 100 lines, then a summary.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { encode } from '../../source/protocol/codec.ts';
import { Attacker } from './harness/attacker.ts';
import { World } from './harness/world.ts';

const SEED = 2024;
const C1_NAMES = ['csi\u009b2J.bin', 'nel\u0085.bin', 'c1-first\u0080', 'c1-last\u009f'];
const BURST = 3_000;
const CHURN = 300;

test('every kind of refusal is logged once and then summed up, never a line per datagram', {
  timeout: 30_000,
}, async (t) => {
  const random = new SeededRandom(SEED);
  const world = await World.create('refusal-log');
  const attacker = await Attacker.open('127.0.0.66');
  try {
    const tracker = await world.startTracker(60_000);
    const honest = await Attacker.open('127.0.0.1');
    const known = { infohash: random.bytes(32), name: 'known.iso', size: 1000 };
    const honestReply = await honest.register(tracker.address, 1);
    assert.equal(honestReply?.type, 'registered');
    const honestToken = Buffer.from(honestReply?.type === 'registered' ? honestReply.token : []);
    const ack = await honest.ask(tracker.address, {
      type: 'own',
      state: 'complete',
      token: honestToken,
      ...known,
    });
    assert.deepEqual(ack, { type: 'ack' });
    await honest.close();

    const reply = await attacker.register(tracker.address, 66);
    assert.equal(reply?.type, 'registered');
    const token = Buffer.from(reply?.type === 'registered' ? reply.token : []);
    // C1 controls are control characters: refused by the name rules, each with a sentence.
    for (const name of C1_NAMES) {
      const own = {
        type: 'own',
        state: 'complete',
        token,
        infohash: random.bytes(32),
        size: 1,
        name,
      } as const;
      const refused = await attacker.ask(tracker.address, own);
      assert.equal(refused?.type === 'error' && refused.code, 'bad-request', JSON.stringify(name));
      assert.match(refused?.type === 'error' ? refused.text : '', /contains a control character/);
    }
    // Then as fast as it can: a file announced and withdrawn in a loop (accepted, within its
    // request budget until it runs out), refused OWNs, forged tokens and garbage.
    const churned = { infohash: random.bytes(32), name: 'churn.bin', size: 1 };
    const announce = encode(3, { type: 'own', state: 'complete', token, ...churned });
    const withdraw = encode(4, { type: 'own', state: 'withdrawn', token, ...churned });
    for (let i = 0; i < CHURN; i++) {
      // And an UPDATE crediting itself under a new download id each time: capped, and said.
      const selfCredit = encode(5, {
        type: 'update',
        token,
        infohash: known.infohash,
        downloadId: random.bytes(8),
        credits: [{ nodeId: 66, bytes: 1000 }],
      });
      for (const datagram of [announce, withdraw, selfCredit]) {
        attacker.endpoint.sendRaw(datagram, datagram.length, tracker.address);
      }
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const conflict = encode(1, { type: 'own', state: 'complete', token, ...known, size: 999 });
    const forged = encode(2, { type: 'heartbeat', token: random.bytes(8) });
    const garbage = Buffer.from('not a bt-tui datagram');
    for (let i = 0; i < BURST; i++) {
      for (const datagram of [conflict, forged, garbage]) {
        attacker.endpoint.sendRaw(datagram, datagram.length, tracker.address);
      }
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    await world.stopTracker(); // ends the window: the summaries are written

    const lines = world.trackerLines.map((line) => line.slice(line.indexOf('Z ') + 2));
    const context = `(seed ${SEED}; ${lines.length} lines:\n${lines.join('\n')})`;
    t.diagnostic(
      `${lines.length} log lines for ${3 * BURST + C1_NAMES.length} refused datagrams and ${2 * CHURN} announcements`,
    );
    const changes = lines.filter((line) =>
      /^((owns|withdrew) node 66 |capped node 66's)/.test(line),
    );
    assert.ok(changes.length > 0 && changes.length <= 100, `${changes.length} changes ${context}`);
    assert.match(
      lines.find((line) => line.startsWith('changes from 127.0.0.66')) ?? '',
      /^changes from 127\.0\.0\.66 \(joined, owns, withdrew, \.\.\.\): \d+ more in the last 10 s/,
      context,
    );
    assert.ok(lines.length - changes.length <= 20, context);
    const about = (prefix: string) => lines.filter((line) => line.startsWith(prefix));
    // One full line and one summary per kind, the summary naming the attacking host.
    assert.equal(about('refused 127.0.0.66').length, 2, `bad-request, conflict ${context}`);
    assert.equal(about('rejected 127.0.0.66').length, 1, context);
    assert.match(
      about('refused own (bad-request): ')[0] ?? '',
      /^refused own \(bad-request\): 3 more in the last 10 s from 1 host \(most: 127\.0\.0\.66 ×3\)$/,
      context,
    );
    for (const kind of ['refused own (conflict)', 'rejected heartbeat (unknown token)']) {
      const summary = about(`${kind}: `);
      assert.equal(summary.length, 1, `${kind} ${context}`);
      assert.match(summary[0]!, /more in the last 10 s from 1 host \(most: 127\.0\.0\.66 ×\d+\)$/);
    }
    assert.match(
      about('undecodable datagrams (bad-magic): ')[0] ?? '',
      /127\.0\.0\.66 ×\d+/,
      context,
    );
    assert.ok(
      !lines.some((line) => /owns node 66 (csi|nel|c1)/.test(line)),
      `no C1 name ${context}`,
    );
  } finally {
    await attacker.close();
    await world.close();
  }
});

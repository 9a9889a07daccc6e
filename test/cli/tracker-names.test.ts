/**
 * --tracker by host name: looked up at start, in the family of --host; a name that does not
 * resolve is one clear line before anything starts. Looked up again while no tracker answers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type LookUp,
  lookUpTrackerNames,
  trackerNamesAgain,
} from '../../source/cli/tracker-names.ts';

/** A resolver that knows `names` (per family) and records what it was asked. */
function fakeDns(names: Record<string, Partial<Record<4 | 6, string>>>) {
  const asked: string[] = [];
  const lookUp: LookUp = async (name, family) => {
    asked.push(`${name}/${family}`);
    const address = names[name]?.[family];
    if (address === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return address;
  };
  return { asked, lookUp };
}

describe('lookUpTrackerNames', () => {
  test('IP addresses pass as they are; names are looked up in the family of --host', async () => {
    const dns = fakeDns({ 'tracker-1.lan': { 4: '10.0.0.5', 6: 'fd00::5' } });
    const given = [
      { address: '10.0.0.2', port: 6881 },
      { address: 'tracker-1.lan', port: 6882 },
    ];
    assert.deepEqual(await lookUpTrackerNames(given, '0.0.0.0', dns.lookUp), {
      ok: true,
      trackers: [
        { address: '10.0.0.2', port: 6881 },
        { address: '10.0.0.5', port: 6882 },
      ],
      lines: ['tracker tracker-1.lan:6882 is 10.0.0.5:6882'],
    });
    const six = await lookUpTrackerNames([given[1]!], '::', dns.lookUp);
    assert.deepEqual(six.ok && six.lines, ['tracker tracker-1.lan:6882 is [fd00::5]:6882']);
    assert.deepEqual(dns.asked, ['tracker-1.lan/4', 'tracker-1.lan/6']);
  });

  test('a name that does not resolve, or not in the family of --host, is one line', async () => {
    const dns = fakeDns({ 'v6only.lan': { 6: 'fd00::6' } });
    assert.deepEqual(
      await lookUpTrackerNames([{ address: 'v6only.lan', port: 1 }], '127.0.0.1', dns.lookUp),
      {
        ok: false,
        problem:
          '--tracker v6only.lan:1: no such host, or none with an IPv4 address (the family of --host)',
      },
    );
  });

  test('a resolver that does not answer is given up on, saying so', async () => {
    const never: LookUp = () => new Promise(() => {});
    assert.deepEqual(
      await lookUpTrackerNames([{ address: 'slow.lan', port: 2 }], '127.0.0.1', never, 50),
      {
        ok: false,
        problem:
          "--tracker slow.lan:2: no answer from DNS in 0.05 s; give the tracker's IP address",
      },
    );
  });

  test("the system's resolver: localhost is 127.0.0.1", async () => {
    const found = await lookUpTrackerNames([{ address: 'localhost', port: 3 }], '127.0.0.1');
    assert.deepEqual(found.ok && found.trackers, [{ address: '127.0.0.1', port: 3 }]);
  });
});

describe('trackerNamesAgain', () => {
  test('each name where it points now, in the same family; addresses and failures are null', async () => {
    const names: Record<string, Partial<Record<4 | 6, string>>> = {
      'tracker-1.lan': { 4: '10.0.0.5', 6: 'fd00::5' },
    };
    const dns = fakeDns(names);
    const given = [
      { address: 'tracker-1.lan', port: 6881 },
      { address: '10.0.0.2', port: 6882 },
      { address: 'gone.lan', port: 6883 },
    ];
    const again = trackerNamesAgain(given, null, dns.lookUp)!;
    assert.deepEqual(dns.asked, [], 'nothing is looked up until asked');
    names['tracker-1.lan'] = { 4: '10.0.0.9' };
    assert.deepEqual(await again(), [
      { given: 'tracker-1.lan:6881', address: { address: '10.0.0.9', port: 6881 } },
      { given: '10.0.0.2:6882', address: null },
      { given: 'gone.lan:6883', address: null },
    ]);
    assert.deepEqual(dns.asked, ['tracker-1.lan/4', 'gone.lan/4']);
  });

  test('trackers given as addresses only: nothing to look up', () => {
    assert.equal(trackerNamesAgain([{ address: '10.0.0.2', port: 1 }], null), undefined);
  });

  test('two trackers of one name: one look-up', async () => {
    const dns = fakeDns({ 'tracker.lan': { 4: '10.0.0.7' } });
    const given = [
      { address: 'tracker.lan', port: 1 },
      { address: 'tracker.lan', port: 2 },
    ];
    assert.deepEqual(await trackerNamesAgain(given, null, dns.lookUp)!(), [
      { given: 'tracker.lan:1', address: { address: '10.0.0.7', port: 1 } },
      { given: 'tracker.lan:2', address: { address: '10.0.0.7', port: 2 } },
    ]);
    assert.deepEqual(dns.asked, ['tracker.lan/4']);
  });

  test('a look-up that does not end keeps the address; the name is not asked again meanwhile', async () => {
    let asked = 0;
    let answer: (address: string) => void = () => {};
    const slow: LookUp = () => {
      asked++;
      return new Promise((resolve) => {
        answer = resolve;
      });
    };
    const again = trackerNamesAgain([{ address: 'slow.lan', port: 2 }], '::', slow, 50)!;
    assert.deepEqual(await again(), [{ given: 'slow.lan:2', address: null }]);
    assert.deepEqual(await again(), [{ given: 'slow.lan:2', address: null }]);
    assert.equal(asked, 1, 'the first look-up still runs: no second one beside it');
    answer('fd00::7');
    await new Promise((resolve) => setImmediate(resolve));
    const found = again();
    answer('fd00::8');
    assert.deepEqual(await found, [
      { given: 'slow.lan:2', address: { address: 'fd00::8', port: 2 } },
    ]);
    assert.equal(asked, 2);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { CookieJar } from '../../source/peer/cookie-jar.ts';
import { COOKIE_BYTES } from '../../source/protocol/messages.ts';

const ALICE = { address: '127.0.0.1', port: 40111 };
const SLOT_MS = 60_000;

function jar(clock: ManualClock, secret = Buffer.alloc(32, 1)): CookieJar {
  return new CookieJar({ clock, secret, slotMs: SLOT_MS });
}

describe('CookieJar', () => {
  test(`issues ${COOKIE_BYTES}-byte cookies that depend only on secret, slot and address`, () => {
    const clock = new ManualClock();
    const cookie = jar(clock).issue(ALICE);
    assert.equal(cookie.length, COOKIE_BYTES);
    assert.deepEqual(jar(clock).issue(ALICE), cookie);
    assert.notDeepEqual(jar(clock, Buffer.alloc(32, 2)).issue(ALICE), cookie);
  });

  test('accepts a cookie now and during the next slot, and refuses it after two slots', () => {
    const clock = new ManualClock();
    const cookies = jar(clock);
    const cookie = cookies.issue(ALICE);
    assert.equal(cookies.verify(cookie, ALICE), true);
    clock.advance(SLOT_MS);
    assert.equal(cookies.verify(cookie, ALICE), true);
    clock.advance(SLOT_MS - 1);
    assert.equal(cookies.verify(cookie, ALICE), true);
    clock.advance(1);
    assert.equal(cookies.verify(cookie, ALICE), false);
  });

  test('refuses a cookie presented from another address or port', () => {
    const cookies = jar(new ManualClock());
    const cookie = cookies.issue(ALICE);
    assert.equal(cookies.verify(cookie, { address: '127.0.0.2', port: ALICE.port }), false);
    assert.equal(cookies.verify(cookie, { address: ALICE.address, port: ALICE.port + 1 }), false);
  });

  test('refuses forged bytes, a flipped bit and wrong lengths', () => {
    const cookies = jar(new ManualClock());
    const cookie = cookies.issue(ALICE);
    assert.equal(cookies.verify(Buffer.alloc(COOKIE_BYTES), ALICE), false);
    for (let bit = 0; bit < COOKIE_BYTES * 8; bit += 13) {
      const flipped = Buffer.from(cookie);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      assert.equal(cookies.verify(flipped, ALICE), false, `bit ${bit}`);
    }
    assert.equal(cookies.verify(cookie.subarray(0, COOKIE_BYTES - 1), ALICE), false);
    assert.equal(cookies.verify(Buffer.concat([cookie, Buffer.alloc(1)]), ALICE), false);
    assert.equal(cookies.verify(Buffer.alloc(0), ALICE), false);
  });

  test('refuses a cookie issued by a jar with another secret', () => {
    const clock = new ManualClock();
    const other = new CookieJar({ clock }).issue(ALICE);
    assert.equal(new CookieJar({ clock }).verify(other, ALICE), false);
  });
});

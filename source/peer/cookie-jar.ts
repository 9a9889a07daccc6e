/**
 * Peer cookies: the amplification guard (NOTES.md items 2 and 3). An owner answers a REQUEST
 * with up to 64 blocks of DATA, so it must first know that the requester really receives at the
 * address the request claims to come from. HELLO (padded, answered by a smaller WELCOME) hands
 * out a cookie; a cookie is a MAC of the address and a time slot (BEP 15's connection id idea),
 * so the jar keeps nothing per address and a flood of HELLOs costs no memory.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { RemoteAddress } from '../net/transport.ts';
import { COOKIE_BYTES } from '../protocol/messages.ts';

/** A slot of one minute: a cookie lives one to two minutes (BEP 15 uses 1 and 2 minutes). */
export const DEFAULT_COOKIE_SLOT_MS = 60_000;
const SECRET_BYTES = 32;
/**
 * Expected cookies of this many addresses are kept for their slot: every REQUEST is checked, and
 * two HMACs per REQUEST were a measurable part of serving. Bounded, so a flood of requests from
 * forged addresses only churns it; the jar stays stateless towards HELLO.
 */
const EXPECTED_CACHE_SIZE = 1024;

/** Options of a CookieJar. */
export interface CookieJarOptions {
  clock: Clock;
  /** The MAC key; random per process unless a test fixes it. */
  secret?: Buffer;
  slotMs?: number;
}

/** Issues and checks stateless cookies bound to an address:port and a time slot. */
export class CookieJar {
  private readonly clock: Clock;
  private readonly secret: Buffer;
  private readonly slotMs: number;
  private readonly expected = new Map<
    string,
    { slot: number; current: Buffer; previous: Buffer }
  >();

  constructor(opts: CookieJarOptions) {
    this.clock = opts.clock;
    this.secret = opts.secret ?? randomBytes(SECRET_BYTES);
    this.slotMs = opts.slotMs ?? DEFAULT_COOKIE_SLOT_MS;
    if (!(this.slotMs > 0))
      throw new RangeError(`cookie slot must be positive, got ${this.slotMs}`);
  }

  /** HMAC-SHA256(secret, slot | address | port) truncated to COOKIE_BYTES. */
  issue(from: RemoteAddress): Buffer {
    return this.cookieFor(this.currentSlot(), from);
  }

  /** Valid for the current and the previous slot; constant-time compare. */
  verify(cookie: Uint8Array, from: RemoteAddress): boolean {
    if (cookie.length !== COOKIE_BYTES) return false;
    const { current, previous } = this.expectedFor(from);
    // Both slots are always checked, so the time taken does not tell which one matched.
    const matchesCurrent = timingSafeEqual(cookie, current);
    const matchesPrevious = timingSafeEqual(cookie, previous);
    return matchesCurrent || matchesPrevious;
  }

  /** The cookies valid now for `from`, computed once per address and slot. */
  private expectedFor(from: RemoteAddress): { current: Buffer; previous: Buffer } {
    const slot = this.currentSlot();
    const key = `${from.address}|${from.port}`;
    const known = this.expected.get(key);
    if (known?.slot === slot) return known;
    const entry = {
      slot,
      current: this.cookieFor(slot, from),
      previous: known?.slot === slot - 1 ? known.current : this.cookieFor(slot - 1, from),
    };
    this.expected.delete(key);
    if (this.expected.size >= EXPECTED_CACHE_SIZE) {
      const oldest = this.expected.keys().next().value;
      if (oldest !== undefined) this.expected.delete(oldest);
    }
    this.expected.set(key, entry);
    return entry;
  }

  /** The slot cookies issued now are bound to; a cookie lives this slot and the next. */
  currentSlot(): number {
    return Math.floor(this.clock.now() / this.slotMs);
  }

  private cookieFor(slot: number, from: RemoteAddress): Buffer {
    // '|' cannot occur in an address, so distinct (slot, address, port) give distinct inputs.
    return createHmac('sha256', this.secret)
      .update(`${slot}|${from.address}|${from.port}`)
      .digest()
      .subarray(0, COOKIE_BYTES);
  }
}

/**
 * A transport wrapper that runs an action once a number of bytes has arrived: tests use it to
 * act "mid-download" at an exact point (partition an owner, stop a node) instead of guessing
 * with sleeps, so the same seed gives the same scenario on a fast or a slow machine.
 */

import { PassthroughTransport } from '../../../source/net/passthrough-transport.ts';
import type { RemoteAddress } from '../../../source/net/transport.ts';

/** Passes every datagram through; counts inbound bytes and fires the armed action once. */
export class TripwireTransport extends PassthroughTransport {
  inboundBytes = 0;
  private trip: { atBytes: number; action: () => void } | null = null;

  protected override onReceive(datagram: Buffer, from: RemoteAddress): void {
    this.inboundBytes += datagram.length;
    const trip = this.trip;
    if (trip !== null && this.inboundBytes >= trip.atBytes) {
      this.trip = null;
      trip.action();
    }
    this.passUp(datagram, from);
  }

  /** Runs `action` (once) when `bytes` more bytes have arrived than so far. */
  arm(bytes: number, action: () => void): void {
    this.trip = { atBytes: this.inboundBytes + bytes, action };
  }
}

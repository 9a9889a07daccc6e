/**
 * A transport wrapper that runs an action once a number of bytes has arrived: tests use it to
 * act "mid-download" at an exact point (partition an owner, stop a node) instead of guessing
 * with sleeps, so the same seed gives the same scenario on a fast or a slow machine.
 */
import type { DatagramTransport, RemoteAddress } from '../../../source/net/transport.ts';

/** Passes every datagram through; counts inbound bytes and fires the armed action once. */
export class TripwireTransport implements DatagramTransport {
  inboundBytes = 0;
  private trip: { atBytes: number; action: () => void } | null = null;
  private receiver: (datagram: Buffer, from: RemoteAddress) => void = () => {};

  constructor(private readonly inner: DatagramTransport) {
    inner.setReceiver((datagram, from) => {
      this.inboundBytes += datagram.length;
      const trip = this.trip;
      if (trip !== null && this.inboundBytes >= trip.atBytes) {
        this.trip = null;
        trip.action();
      }
      this.receiver(datagram, from);
    });
  }

  /** Runs `action` (once) when `bytes` more bytes have arrived than so far. */
  arm(bytes: number, action: () => void): void {
    this.trip = { atBytes: this.inboundBytes + bytes, action };
  }

  get localAddress(): RemoteAddress {
    return this.inner.localAddress;
  }
  get receiveBufferBytes(): number {
    return this.inner.receiveBufferBytes;
  }
  get sendBufferBytes(): number {
    return this.inner.sendBufferBytes;
  }
  get sendErrors(): number {
    return this.inner.sendErrors;
  }
  send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    this.inner.send(datagram, length, to);
  }
  setReceiver(handler: (datagram: Buffer, from: RemoteAddress) => void): void {
    this.receiver = handler;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

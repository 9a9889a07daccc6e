import { DOUBLE_ZERO, settleDoubleZeros } from '../double-zero.ts';

/** What an endpoint has seen since it opened; a snapshot, safe to keep. */
export interface EndpointStats {
  datagramsIn: number;
  datagramsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Bytes of DATA datagrams received: file transfer, without control traffic. */
  dataBytesIn: number;
  /** Datagrams that failed peekHeader or decode (counted, reported, never thrown). */
  decodeErrors: number;
  /** Re-sends of a pending request after a timeout. */
  retries: number;
  /** Requests that gave up after their last retry timed out. */
  timeouts: number;
  /** Reply-type messages that matched no pending request: late duplicates or wrong senders. */
  unmatchedReplies: number;
  /** Sends the transport could not hand to the kernel. */
  sendErrors: number;
}

/**
 * The endpoint's live counters: plain number fields bumped on the hot path, so counting a
 * datagram allocates nothing. stats() copies them out when someone asks.
 */
export class EndpointCounters {
  datagramsIn = 0;
  datagramsOut = 0;
  bytesIn = DOUBLE_ZERO;
  bytesOut = DOUBLE_ZERO;
  dataBytesIn = DOUBLE_ZERO;
  decodeErrors = 0;
  retries = 0;
  timeouts = 0;
  unmatchedReplies = 0;

  constructor() {
    settleDoubleZeros(this, 'bytesIn', 'bytesOut', 'dataBytesIn');
  }

  /** A snapshot, with the send errors the transport counted. */
  snapshot(sendErrors: number): EndpointStats {
    return {
      datagramsIn: this.datagramsIn,
      datagramsOut: this.datagramsOut,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      dataBytesIn: this.dataBytesIn,
      decodeErrors: this.decodeErrors,
      retries: this.retries,
      timeouts: this.timeouts,
      unmatchedReplies: this.unmatchedReplies,
      sendErrors,
    };
  }
}

import { readProcText } from './proc-text.ts';

/**
 * Linux counts datagrams dropped because a socket's receive buffer was full only here: the
 * overflow raises no error in node. Benches read it before and after a transfer to prove the
 * transfer did not lose datagrams to its own buffer.
 */
const SNMP_PATH = '/proc/net/snmp';

/** The system-wide UDP RcvbufErrors counter, or null where /proc/net/snmp cannot be read. */
export function readUdpReceiveBufferErrors(path: string = SNMP_PATH): number | null {
  const text = readProcText(path);
  return text === null ? null : parseUdpReceiveBufferErrors(text);
}

/**
 * Finds RcvbufErrors in the text of /proc/net/snmp: a `Udp:` line of field names followed by a
 * `Udp:` line of values (`UdpLite:` is a different protocol and is skipped).
 */
export function parseUdpReceiveBufferErrors(text: string): number | null {
  const udpLines = text.split('\n').filter((line) => line.startsWith('Udp: '));
  const [names, values] = udpLines;
  if (names === undefined || values === undefined) return null;
  const index = names.trim().split(/\s+/).indexOf('RcvbufErrors');
  if (index < 0) return null;
  const value = Number(values.trim().split(/\s+/)[index]);
  return Number.isSafeInteger(value) && value >= 0 ? value : null;
}

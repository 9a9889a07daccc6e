import { PROTOCOL_VERSION } from '../../source/protocol/codec.ts';
import { crc32 } from '../../source/protocol/crc32.ts';

/** Hand-built datagrams for rejection tests: each field written out, so a test reads as a layout. */

export const u8 = (value: number): Buffer => Buffer.from([value]);

export function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value);
  return out;
}

export function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** u64 as its two u32 halves, so tests can write values no JS number holds exactly. */
export function u64(hi: number, lo: number): Buffer {
  return Buffer.concat([u32(hi), u32(lo)]);
}

/** str8 from text or from raw (possibly invalid UTF-8) bytes. */
export function str8(text: string | Uint8Array): Buffer {
  const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text);
  return Buffer.concat([u8(body.length), body]);
}

/** Header with magic 'BT', the current version, flags 0, txid 42, a valid checksum, then `parts`. */
export function datagram(typeCode: number, ...parts: Uint8Array[]): Buffer {
  const header = [u16(0x4254), u8(PROTOCOL_VERSION), u8(typeCode), u8(0), u32(42), u32(0)];
  return seal(Buffer.concat([...header, ...parts]));
}

/** Writes a valid checksum into a datagram long enough to have one (tests of what follows it). */
export function seal(datagram: Buffer): Buffer {
  if (datagram.length >= 13) {
    datagram.writeUInt32BE(crc32(datagram.subarray(13), crc32(datagram.subarray(0, 9))), 9);
  }
  return datagram;
}

/**
 * Bounds-checked big-endian reading and writing, the only place that touches bytes by offset.
 *
 * Reader has a sticky error (the habit of Go's binary readers): the first failure is recorded,
 * and every later read returns 0, '' or an empty buffer without moving, so a body decoder reads
 * its fields in order and checks `reader.error` once, with no exceptions for malformed input.
 * Writer runs twice per message: once without a target to measure (and validate), then into a
 * buffer of exactly that size.
 */
import type { DecodeError, DecodeErrorCode } from './decode-error.ts';

const TWO_POW_32 = 2 ** 32;
const EMPTY = Buffer.alloc(0);

// fatal: invalid UTF-8 (including overlong forms and encoded surrogates) is an error, never
// U+FFFD. ignoreBOM: keep a leading U+FEFF in the string; stripping it would make two byte
// strings decode to one name and break "re-encoding gives the same bytes".
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// In a /u regex a paired surrogate is one code point, so this matches lone surrogates only:
// strings with them cannot be encoded as UTF-8 and back unchanged.
const LONE_SURROGATE = /\p{Cs}/u;

/** Sticky-error reader over a whole datagram; `pos` is an absolute offset into it. */
export class Reader {
  error: DecodeError | null = null;

  constructor(
    readonly bytes: Buffer,
    public pos: number,
  ) {}

  /** Bytes not yet read. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Records `code` unless an earlier error is already recorded (the first one explains best). */
  fail(code: DecodeErrorCode, field?: string): void {
    if (this.error === null) this.error = field === undefined ? { code } : { code, field };
  }

  /** Reserves `n` bytes and returns their offset, or -1 (recording 'truncated') if absent. */
  private take(n: number, field: string): number {
    if (this.error !== null) return -1;
    if (this.remaining < n) {
      this.fail('truncated', field);
      return -1;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(field: string): number {
    const at = this.take(1, field);
    return at < 0 ? 0 : this.bytes[at]!;
  }

  u16(field: string): number {
    const at = this.take(2, field);
    return at < 0 ? 0 : this.bytes.readUInt16BE(at);
  }

  u32(field: string): number {
    const at = this.take(4, field);
    return at < 0 ? 0 : this.bytes.readUInt32BE(at);
  }

  /** u64 as (hi u32, lo u32); above `max` (at most MAX_SAFE_INTEGER) is 'oversize'. */
  u64(field: string, max: number): number {
    const at = this.take(8, field);
    if (at < 0) return 0;
    // Exact while hi < 2^21; any larger hi is above MAX_SAFE_INTEGER and so above every max.
    const value = this.bytes.readUInt32BE(at) * TWO_POW_32 + this.bytes.readUInt32BE(at + 4);
    if (value > max) {
      this.fail('oversize', field);
      return 0;
    }
    return value;
  }

  /** A fixed-size field as a view that aliases the datagram (no copy). */
  fixed(n: number, field: string): Buffer {
    const at = this.take(n, field);
    return at < 0 ? EMPTY : this.bytes.subarray(at, at + n);
  }

  /** str8: u8 byte length (checked against `maxBytes` before reading) + UTF-8 bytes. */
  str8(field: string, maxBytes: number): string {
    const length = this.u8(field);
    if (this.error !== null) return '';
    if (length > maxBytes) {
      this.fail('oversize', field);
      return '';
    }
    const at = this.take(length, field);
    if (at < 0) return '';
    try {
      return utf8.decode(this.bytes.subarray(at, at + length));
    } catch {
      this.fail('bad-utf8', field);
      return '';
    }
  }

  /** Everything after the current position, as a view that aliases the datagram. */
  rest(): Buffer {
    if (this.error !== null) return EMPTY;
    const tail = this.bytes.subarray(this.pos);
    this.pos = this.bytes.length;
    return tail;
  }

  /** Records 'padded' if any byte is left: every message has an exact length. */
  end(): void {
    if (this.error === null && this.remaining > 0) this.fail('padded');
  }

  /** A u8 count or small number: above `max` is 'oversize', below `min` is 'bad-value'. */
  count(field: string, min: number, max: number): number {
    const value = this.u8(field);
    if (this.error === null && value > max) this.fail('oversize', field);
    if (this.error === null && value < min) this.fail('bad-value', field);
    return this.error ? 0 : value;
  }

  /** Zero padding up to an exact datagram size: shorter is truncated, longer padded. */
  zeroPaddingTo(datagramBytes: number): void {
    if (this.error !== null) return;
    if (this.bytes.length < datagramBytes) {
      this.fail('truncated', 'padding');
    } else if (this.bytes.length > datagramBytes) {
      this.fail('padded');
    } else if (this.bytes.subarray(this.pos).some((byte) => byte !== 0)) {
      this.fail('bad-value', 'padding');
    } else {
      this.pos = datagramBytes;
    }
  }

  /** A u8 enumeration code; a code missing from `table` is 'bad-value'. */
  enum8<T extends string>(table: CodeTable<T>, field: string): T | null {
    const code = this.u8(field);
    if (this.error !== null) return null;
    const name = table.nameOf(code);
    if (name === undefined) this.fail('bad-value', field);
    return name ?? null;
  }
}

/** A named u8 code table for an enumeration (message types, error codes, reasons). */
export class CodeTable<T extends string> {
  private readonly names = new Map<number, T>();

  constructor(readonly codes: Readonly<Record<T, number>>) {
    for (const [name, code] of Object.entries<number>(codes)) this.names.set(code, name as T);
  }

  codeOf(name: T): number {
    const code = this.codes[name];
    if (code === undefined) throw new RangeError(`no wire code for ${name}`);
    return code;
  }

  nameOf(code: number): T | undefined {
    return this.names.get(code);
  }
}

/** Writes (or, without a target, measures) a datagram; throws RangeError on a bound violation. */
export class Writer {
  pos = 0;

  constructor(private readonly target: Buffer | null) {}

  u8(value: number, field: string): void {
    checkInteger(value, 0, 0xff, field);
    if (this.target) this.target[this.pos] = value;
    this.pos += 1;
  }

  u16(value: number, field: string): void {
    checkInteger(value, 0, 0xffff, field);
    this.target?.writeUInt16BE(value, this.pos);
    this.pos += 2;
  }

  u32(value: number, field: string): void {
    checkInteger(value, 0, 0xffff_ffff, field);
    this.target?.writeUInt32BE(value, this.pos);
    this.pos += 4;
  }

  u64(value: number, max: number, field: string): void {
    checkInteger(value, 0, max, field);
    if (this.target) {
      this.target.writeUInt32BE(Math.floor(value / TWO_POW_32), this.pos);
      this.target.writeUInt32BE(value % TWO_POW_32, this.pos + 4);
    }
    this.pos += 8;
  }

  /** A fixed-size field: `bytes` must be exactly `n` long. */
  fixed(bytes: Uint8Array, n: number, field: string): void {
    if (bytes.length !== n) {
      throw new RangeError(`cannot encode ${field}: ${bytes.length} bytes, expected ${n}`);
    }
    this.target?.set(bytes, this.pos);
    this.pos += n;
  }

  str8(text: string, maxBytes: number, field: string): void {
    if (LONE_SURROGATE.test(text)) {
      throw new RangeError(`cannot encode ${field}: text has a lone surrogate (not UTF-8)`);
    }
    const length = Buffer.byteLength(text, 'utf8');
    if (length > maxBytes) {
      throw new RangeError(`cannot encode ${field}: ${length} bytes, at most ${maxBytes}`);
    }
    if (this.target) {
      this.target[this.pos] = length;
      this.target.write(text, this.pos + 1, length, 'utf8');
    }
    this.pos += 1 + length;
  }

  /** A u8 enumeration code from `table`. */
  enum8<T extends string>(table: CodeTable<T>, name: T, field: string): void {
    this.u8(table.codeOf(name), field);
  }

  /** Raw bytes (a payload tail), bounded by the caller. */
  raw(bytes: Uint8Array): void {
    this.target?.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Zero bytes up to absolute offset `totalBytes` (fixed-size padded datagrams). */
  padTo(totalBytes: number, field: string): void {
    if (this.pos > totalBytes) {
      throw new RangeError(`cannot encode ${field}: body is already ${this.pos} bytes`);
    }
    this.target?.fill(0, this.pos, totalBytes);
    this.pos = totalBytes;
  }
}

/** Throws RangeError unless `value` is an integer in [min, max]: encoding bad values is a bug. */
export function checkInteger(value: number, min: number, max: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`cannot encode ${field}: ${value} is not an integer in ${min}..${max}`);
  }
}

/** Throws RangeError unless `condition` holds (a relation between fields). */
export function checkThat(condition: boolean, field: string, why: string): void {
  if (!condition) throw new RangeError(`cannot encode ${field}: ${why}`);
}

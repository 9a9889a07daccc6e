/**
 * Property tests on hostile bytes (libtorrent keeps a fuzzer for every parser): random buffers
 * and mutations of valid encodings of every type. decode never throws; whatever it accepts
 * re-encodes to exactly the same bytes (one encoding per message); readDataHeader and
 * peekHeader agree with decode.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import {
  DATA_HEADER_BYTES,
  type DataHeader,
  decode,
  encode,
  MESSAGE_TYPES,
  newDataHeader,
  PROTOCOL_VERSION,
  peekHeader,
  readDataHeader,
} from '../../source/protocol/codec.ts';
import type { MessageType } from '../../source/protocol/messages.ts';
import { SAMPLES } from './fixtures.ts';
import { seal } from './wire.ts';

const SEED = 0x5eed_b7;
const RANDOM_BUFFERS = 100_000;
const MUTATIONS = 100_000;
/** Bytes that sit on field boundaries: zero, one, sign bits, all ones. */
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

/** mulberry32: a tiny seeded PRNG, so a failure can be replayed from SEED. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const random = mulberry32(SEED);
const below = (n: number): number => Math.floor(random() * n);
const TYPE_CODES = Object.keys(MESSAGE_TYPES.codes).map((t) =>
  MESSAGE_TYPES.codeOf(t as MessageType),
);
// Encodings small enough to copy 100k times; the largest-payload samples add nothing here.
const SEEDS = SAMPLES.map((s) => encode(s.txid, s.message)).filter((b) => b.length <= 12_000);
const scratch: DataHeader = newDataHeader();

function fail(kind: string, iteration: number, input: Buffer, why: string): never {
  const hex = input.subarray(0, 96).toString('hex');
  assert.fail(`seed ${SEED}, ${kind} #${iteration}: ${why}; input (${input.length} B) ${hex}`);
}

function checkProperties(kind: string, iteration: number, input: Buffer): boolean {
  let result: ReturnType<typeof decode>;
  try {
    result = decode(input);
  } catch (error) {
    fail(kind, iteration, input, `decode threw ${String(error)}`);
  }
  if (result.ok) {
    let again: Buffer;
    try {
      again = encode(result.txid, result.message);
    } catch (error) {
      fail(kind, iteration, input, `encode refused what decode accepted: ${String(error)}`);
    }
    if (!again.equals(input)) fail(kind, iteration, input, 'not canonical');
  }
  const peek = peekHeader(input);
  if (!peek.ok && (result.ok || !isDeepStrictEqual(peek.error, result.error))) {
    fail(kind, iteration, input, 'peekHeader disagrees with decode');
  }
  if (peek.ok && peek.type === 'data') {
    const dataError = readDataHeader(input, scratch);
    if (result.ok) {
      const m = result.message;
      const same =
        dataError === null &&
        m.type === 'data' &&
        scratch.txid === result.txid &&
        scratch.piece === m.piece &&
        scratch.begin === m.begin &&
        scratch.payloadLength === input.length - DATA_HEADER_BYTES;
      if (!same) fail(kind, iteration, input, 'readDataHeader disagrees with decode (accepted)');
    } else if (!isDeepStrictEqual(dataError, result.error)) {
      fail(kind, iteration, input, 'readDataHeader disagrees with decode (refused)');
    }
  }
  return result.ok;
}

function randomBuffer(): Buffer {
  const length = below(8) === 0 ? below(2000) : below(120);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = below(256);
  // Half of them get a plausible header, so bodies are exercised and not only the magic check.
  if (length >= 5 && random() < 0.5) {
    out[0] = 0x42;
    out[1] = 0x54;
    out[2] = PROTOCOL_VERSION;
    out[3] = random() < 0.9 ? TYPE_CODES[below(TYPE_CODES.length)]! : below(256);
    out[4] = random() < 0.9 ? 0 : below(256);
  }
  // Half carry a valid checksum, so the body decoders are fuzzed and not only the CRC check.
  return random() < 0.5 ? seal(out) : out;
}

function mutate(source: Buffer): Buffer {
  let out = Buffer.from(source);
  const rounds = 1 + below(3);
  for (let round = 0; round < rounds; round++) {
    const at = below(out.length + 1);
    switch (below(5)) {
      case 0: // bit flip
        if (at < out.length) out[at]! ^= 1 << below(8);
        break;
      case 1: // byte set
        if (at < out.length)
          out[at] = random() < 0.5 ? INTERESTING[below(INTERESTING.length)]! : below(256);
        break;
      case 2: // truncation
        out = out.subarray(0, at);
        break;
      case 3: // insertion
        out = Buffer.concat([out.subarray(0, at), Buffer.from([below(256)]), out.subarray(at)]);
        break;
      default: // deletion
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    }
  }
  return random() < 0.5 ? seal(out) : out;
}

test('decode never throws on random buffers, and what it accepts is canonical', () => {
  let accepted = 0;
  for (let i = 0; i < RANDOM_BUFFERS; i++) {
    if (checkProperties('random', i, randomBuffer())) accepted++;
  }
  assert.ok(accepted > 0, `seed ${SEED}: no random buffer decoded; the test exercises only errors`);
});

test('decode never throws on mutated valid datagrams, and what it accepts is canonical', () => {
  let accepted = 0;
  for (let i = 0; i < MUTATIONS; i++) {
    if (checkProperties('mutation', i, mutate(SEEDS[i % SEEDS.length]!))) accepted++;
  }
  assert.ok(accepted > 1000, `seed ${SEED}: only ${accepted} mutations decoded`);
});

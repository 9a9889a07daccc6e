/**
 * What a node's Ed25519 key signs, and checking it. Every signed message starts with a context
 * string naming its purpose, so a signature made for one purpose (registering at a tracker) can
 * never be replayed as another (later: authenticating an encrypted peer link with the same key,
 * which will sign under its own context). Pure: no I/O.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { CHALLENGE_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './messages.ts';

/** Context of a registration signature; the NUL ends it so no other context is a prefix. */
export const REGISTER_SIGNATURE_CONTEXT = Buffer.from('bt-tui/register/v1\0', 'latin1');

/** DER header of an Ed25519 SubjectPublicKeyInfo (RFC 8410): these 12 bytes, then the raw key. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The bytes a node signs to answer a registration challenge. */
export function registrationSigningBytes(challenge: Buffer): Buffer {
  if (challenge.length !== CHALLENGE_BYTES) throw new RangeError('challenge size');
  return Buffer.concat([REGISTER_SIGNATURE_CONTEXT, challenge]);
}

/**
 * A raw 32-byte Ed25519 public key as a KeyObject, or null when it is not one. Imported as a JWK,
 * not as DER: OpenSSL 3's DER decoder takes ~90 µs a key on this project's machines, the JWK path
 * ~12 µs, and a tracker imports one key per registration (100k nodes re-registering after a
 * restart: 9 core-seconds saved).
 */
export function ed25519PublicKey(raw: Buffer): KeyObject | null {
  if (raw.length !== PUBLIC_KEY_BYTES) return null;
  try {
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      format: 'jwk',
    });
  } catch {
    return null;
  }
}

/** The raw 32 bytes of an Ed25519 public KeyObject. */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length);
}

/** True when `signature` is `publicKey`'s signature of `message`; never throws. */
export function verifyEd25519(publicKey: Buffer, message: Buffer, signature: Buffer): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  const key = ed25519PublicKey(publicKey);
  if (key === null) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

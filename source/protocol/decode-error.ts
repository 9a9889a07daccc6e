/**
 * Decode failures as values: every malformed datagram (or metainfo) becomes one of these codes,
 * turned into a sentence for a person in exactly one place, describeDecodeError().
 */

/** Why bytes were refused; `field` names the field where decoding stopped, when there is one. */
export type DecodeErrorCode =
  | 'truncated' // fewer bytes than the layout needs
  | 'padded' // bytes left over after the last field
  | 'bad-magic' // not one of our datagrams (or not metainfo)
  | 'bad-version' // a protocol version we do not speak
  | 'bad-flags' // header flags this version does not define
  | 'unknown-type' // a message type code we do not know
  | 'oversize' // a length, count or value above its protocol maximum
  | 'bad-value' // a value outside its allowed set (enum code, zero count, broken relation)
  | 'bad-utf8' // a text field that is not valid UTF-8
  | 'bad-checksum'; // bytes changed in transit: the CRC-32 does not match

/** A refused datagram: the code, and the field where decoding stopped when there is one. */
export interface DecodeError {
  code: DecodeErrorCode;
  field?: string;
}

/**
 * A sentence for a person, e.g. "datagram truncated in field 'name'". `subject` says what was
 * being decoded ("datagram" by default, "metainfo" for metainfo bytes).
 */
export function describeDecodeError(error: DecodeError, subject = 'datagram'): string {
  const field = error.field === undefined ? '' : ` in field '${error.field}'`;
  const theField = error.field === undefined ? 'a field' : `field '${error.field}'`;
  switch (error.code) {
    case 'truncated':
      return `${subject} truncated${field}`;
    case 'bad-checksum':
      return `${subject} damaged in transit (checksum mismatch)`;
    case 'padded':
      return `${subject} has unexpected bytes after its last field`;
    case 'bad-magic':
      return `${subject} refused: not a bt-tui ${subject} (wrong magic number)`;
    case 'bad-version':
      return `${subject} refused: unsupported protocol version`;
    case 'bad-flags':
      return `${subject} refused: header flags set that this protocol version does not define`;
    case 'unknown-type':
      return `${subject} refused: unknown message type`;
    case 'oversize':
      return `${subject} refused: ${theField} is larger than the protocol allows`;
    case 'bad-value':
      return `${subject} refused: ${theField} has a value the protocol does not allow`;
    case 'bad-utf8':
      return `${subject} refused: ${theField} is not valid UTF-8`;
  }
}

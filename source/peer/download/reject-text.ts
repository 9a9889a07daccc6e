import type { RejectReason } from '../../protocol/messages.ts';

/**
 * An owner's REJECT as a person reads it in an owner row and the log: `dead: no longer serves
 * this file`, not the wire's `refused: not-seeding`.
 */
const REJECT_TEXT: Record<RejectReason, string> = {
  'not-seeding': 'no longer serves this file',
  'bad-range': 'refused a piece as out of range',
  busy: 'too busy to serve now',
  'bad-cookie': 'did not know this node (a new HELLO is needed)',
  choked: 'no upload slot for this node now',
  'missing-piece': 'does not have that piece',
  elsewhere: 'gave that piece to another peer moments ago',
};

export function rejectText(reason: RejectReason): string {
  return REJECT_TEXT[reason];
}

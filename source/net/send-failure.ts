/**
 * The kernel's refusal of a send, in words for a person: what is wrong and where to look. A
 * request that times out says only that nobody answered; these say that nothing left. Pure.
 */

/** Codes that mean nothing sent to that address leaves this machine, however often it is sent. */
const NOTHING_LEAVES = new Set([
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EPERM',
  'EACCES',
  'EINVAL',
]);

/** Whether a request refused with `code` is worth sending again (no: the route or a firewall). */
export function sendCannotLeave(code: string): boolean {
  return NOTHING_LEAVES.has(code);
}

/** `sending fails with ENETUNREACH: no route to its network; is this machine on it?` */
export function describeSendFailure(code: string): string {
  const why = ((): string | null => {
    switch (code) {
      case 'ENETUNREACH':
        return 'no route to its network; is this machine on it?';
      case 'EHOSTUNREACH':
        return 'no route to that host';
      case 'ENETDOWN':
        return 'the network is down';
      case 'EPERM':
      case 'EACCES':
        return 'a firewall on this machine refuses it';
      case 'EINVAL':
        return "this node's address cannot reach it";
      default:
        return null;
    }
  })();
  return `sending fails with ${code}${why === null ? '' : `: ${why}`}`;
}

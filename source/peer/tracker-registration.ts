/**
 * Registering an identity with a tracker: REGISTER (id, public key), the tracker's CHALLENGE
 * signed, REGISTER-PROOF. One function, used by TrackerClient and by anything else that speaks
 * to a tracker by hand (tests, benches).
 */
import type { RequestOptions, UdpEndpoint } from '../net/endpoint.ts';
import type { RemoteAddress } from '../net/transport.ts';
import type { TrackerReply } from '../protocol/messages.ts';
import { registrationSigningBytes } from '../protocol/signatures.ts';
import type { NodeIdentity } from './identity.ts';

/**
 * Proves `identity` for `nodeId` at `tracker`: the final reply (REGISTERED or an ERROR), or null
 * when the tracker did not answer (or `stopped()` turned true before the proof went); `options`
 * are the request's retries and timeouts; `onRoundTrip` hears each answer's round trip (for the
 * next requests' timeouts). A challenge that went stale on the way (a slow network, a tracker
 * restart) is asked for once more.
 */
export async function proveIdentity(
  endpoint: UdpEndpoint,
  tracker: RemoteAddress,
  nodeId: number,
  identity: NodeIdentity,
  stopped: () => boolean = () => false,
  options?: Partial<RequestOptions>,
  onRoundTrip: (rttMs: number) => void = () => {},
): Promise<TrackerReply | null> {
  const { publicKey } = identity;
  for (let attempt = 0; ; attempt++) {
    const asked = await endpoint.request(tracker, { type: 'register', nodeId, publicKey }, options);
    if (stopped() || !asked.ok) return null;
    if (asked.rttMs !== null) onRoundTrip(asked.rttMs);
    const challenge = asked.reply as TrackerReply;
    if (challenge.type !== 'challenge') return challenge;
    const proved = await endpoint.request(
      tracker,
      {
        type: 'register-proof',
        nodeId,
        publicKey,
        challenge: challenge.challenge,
        signature: identity.sign(registrationSigningBytes(challenge.challenge)),
      },
      options,
    );
    // Answered even though stopped meanwhile: a session granted is the caller's to end.
    if (!proved.ok) return null;
    if (proved.rttMs !== null) onRoundTrip(proved.rttMs);
    const reply = proved.reply as TrackerReply;
    const stale = reply.type === 'error' && reply.code === 'stale-challenge';
    if (!stale || attempt > 0) return reply;
  }
}

/**
 * A tracker that registers anyone and then answers with hostile values, seeded: NEED replies
 * naming owners at any host text (names, IPv6, broadcast, multicast, the asker itself), any port,
 * any node id (the asker's own, 0, the same one twice), files with names that are not file names
 * and sizes from 0 to 2^40; LIST pages of the same; WHO answers naming anyone. Every reply is
 * well formed (the codec takes it): what is tested is what a node does with it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { systemClock } from '../../../source/clock.ts';
import { UdpEndpoint } from '../../../source/net/endpoint.ts';
import { SeededRandom } from '../../../source/net/seeded-random.ts';
import { openUdpTransport, type RemoteAddress } from '../../../source/net/transport.ts';
import {
  type ListEntry,
  MAX_FILE_SIZE_BYTES,
  MAX_LIST_PAGE,
  MAX_NEED_MATCHES,
  MAX_OWN_MANY_ENTRIES,
  MAX_OWNERS_PER_MATCH,
  type Message,
  type NeedMatch,
  type NeedQuery,
  type NeedReplyMessage,
  type OwnerEntry,
  TOKEN_BYTES,
  type TrackerReply,
} from '../../../source/protocol/messages.ts';

/** Names a node must never take as a path, and a few it may. */
const NAMES = [
  'target.bin',
  '../escape.bin',
  '../../etc/passwd',
  'a/b.bin',
  'a\\b.bin',
  '',
  '.',
  '..',
  '.bt-tui-state',
  'target.bin.part',
  'x'.repeat(255),
  'nul\u0000byte',
  'esc\u001b[2Jape',
  'ünïcødé.bin',
];
/** Hosts that are no single host's address: an owner there must be left out. */
export const NOT_ONE_HOST = [
  '0.0.0.0',
  '255.255.255.255',
  '224.0.0.1',
  'localhost',
  'not an address',
  '999.1.1.1',
  '',
];
/** The file whose every owner is at one of NOT_ONE_HOST (HostileTracker.leftOutAnswer). */
export const LEFT_OUT_NAME = 'left-out.bin';
const LEFT_OUT_INFOHASH = createHash('sha256').update(LEFT_OUT_NAME).digest();
const HOSTS = [
  '127.0.0.1',
  '0.0.0.0',
  '255.255.255.255',
  '224.0.0.1',
  '127.255.255.255',
  '::1',
  'localhost',
  'not an address',
  '999.1.1.1',
  '',
];

export class HostileTracker {
  /** Replies sent, by type. */
  readonly sent = new Map<string, number>();
  /** Replies the codec refused to encode (should stay empty). */
  readonly unencodable: string[] = [];
  private readonly random: SeededRandom;
  private readonly infohashes: Buffer[];
  private readonly askers: RemoteAddress[] = [];

  private constructor(
    private readonly endpoint: UdpEndpoint,
    seed: number,
  ) {
    this.random = new SeededRandom(seed);
    this.infohashes = [this.random.bytes(32), this.random.bytes(32)];
    endpoint.onMessage((message, txid, from) => this.answer(message, txid, from));
  }

  static async start(seed: number): Promise<HostileTracker> {
    const opened = await openUdpTransport({
      host: '127.0.0.1',
      port: 0,
      receiveBufferBytes: 1024 * 1024,
      sendBufferBytes: 1024 * 1024,
    });
    if (!opened.ok) throw new Error(`hostile tracker: ${opened.error.message}`);
    return new HostileTracker(new UdpEndpoint(opened.transport, { clock: systemClock }), seed);
  }

  get address(): RemoteAddress {
    return this.endpoint.localAddress;
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }

  private answer(message: Message, txid: number, from: RemoteAddress): void {
    if (!this.askers.some((a) => a.port === from.port && a.address === from.address))
      this.askers.push(from);
    const reply = this.replyTo(message);
    if (reply === null) return;
    try {
      this.endpoint.send(from, reply, txid);
    } catch (error) {
      // A value the encoder refuses: this harness's mistake, counted so the test can say so.
      this.unencodable.push(String(error));
      return;
    }
    this.sent.set(reply.type, (this.sent.get(reply.type) ?? 0) + 1);
  }

  private replyTo(message: Message): TrackerReply | null {
    const r = this.random;
    switch (message.type) {
      case 'register':
        return { type: 'challenge', nodeId: message.nodeId, challenge: randomBytes(32) };
      case 'register-proof':
        return {
          type: 'registered',
          nodeId: message.nodeId,
          token: randomBytes(TOKEN_BYTES),
          heartbeatIntervalMs: 1_000,
        };
      case 'heartbeat':
      case 'own':
      case 'update':
      case 'exit':
        return { type: 'ack' };
      case 'own-many': {
        // Refusals of entries it was sent and of entries it was not (an index past the end).
        const indexes = Array.from({ length: MAX_OWN_MANY_ENTRIES }, (_, index) => index);
        const refused = indexes
          .filter(() => r.next() < 0.3)
          .map((index) => ({ index, code: 'conflict' as const, text: 'no' }));
        return r.next() < 0.2 ? { type: 'ack' } : { type: 'own-many-reply', refused };
      }
      case 'need': {
        const leftOut = this.leftOutAnswer(message.query);
        if (leftOut !== null) return leftOut;
        const count = r.int(MAX_NEED_MATCHES + 1);
        const matches = Array.from({ length: count }, () => this.match());
        return { type: 'need-reply', totalMatches: count + r.int(3), matches };
      }
      case 'list': {
        const files: ListEntry[] = Array.from({ length: r.int(MAX_LIST_PAGE + 1) }, () => {
          const { infohash, name, size, ownerCount } = this.match();
          return { infohash, name, size, ownerCount };
        });
        const nextCursor = r.next() < 0.5 ? 0 : r.int(2 ** 32);
        return { type: 'list-reply', totalFiles: files.length + r.int(100), nextCursor, files };
      }
      case 'who':
        return {
          type: 'who-reply',
          nodeIds: message.addresses.map(() => [0, 1, 2, 2 ** 32 - 1][r.int(4)]!),
        };
      default:
        return null;
    }
  }

  /**
   * Every answer about LEFT_OUT_NAME (by name, or by its infohash when its download searches
   * again): that one file, its owners at each host that is no single host's address. Random
   * answers alone met none of them in one CI run; this way every run does.
   */
  private leftOutAnswer(query: NeedQuery): NeedReplyMessage | null {
    const asked =
      query.kind === 'name'
        ? query.name === LEFT_OUT_NAME
        : query.infohash.equals(LEFT_OUT_INFOHASH);
    if (!asked) return null;
    const owners = NOT_ONE_HOST.map((host, index) => ({
      nodeId: 100 + index,
      host,
      port: 1 + index,
      uploadCredit: 0,
      complete: true,
    }));
    const match = {
      infohash: LEFT_OUT_INFOHASH,
      name: LEFT_OUT_NAME,
      size: 4096,
      ownerCount: owners.length,
      owners,
    };
    return { type: 'need-reply', totalMatches: 1, matches: [match] };
  }

  private match(): NeedMatch {
    const r = this.random;
    const owners: OwnerEntry[] = Array.from({ length: r.int(MAX_OWNERS_PER_MATCH + 1) }, () =>
      this.owner(),
    );
    return {
      infohash: this.infohashes[r.int(this.infohashes.length)]!,
      name: NAMES[r.int(NAMES.length)]!,
      size: [0, 1, 4096, MAX_FILE_SIZE_BYTES, r.int(2 ** 32)][r.int(5)]!,
      ownerCount: [owners.length, owners.length + r.int(5), 2 ** 32 - 1][r.int(3)]!,
      owners,
    };
  }

  private owner(): OwnerEntry {
    const r = this.random;
    const asker = this.askers[r.int(this.askers.length)];
    // Sometimes the asker itself, or this tracker: an answer must not make a node talk to itself.
    const at =
      r.next() < 0.2 && asker
        ? asker
        : r.next() < 0.1
          ? this.address
          : { address: HOSTS[r.int(HOSTS.length)]!, port: 1 + r.int(65_535) };
    return {
      nodeId: [0, 1, 2, 3, 2 ** 32 - 1, r.int(100)][r.int(6)]!,
      host: at.address,
      port: at.port,
      uploadCredit: [0, MAX_FILE_SIZE_BYTES, r.int(2 ** 32)][r.int(3)]!,
      complete: r.next() < 0.5,
    };
  }
}

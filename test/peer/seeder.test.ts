import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { formatAddress } from '../../source/format.ts';
import { IoMode } from '../../source/io-mode.ts';
import { Logger } from '../../source/log/logger.ts';
import { UdpEndpoint } from '../../source/net/endpoint.ts';
import { PassthroughTransport } from '../../source/net/passthrough-transport.ts';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import {
  type DatagramTransport,
  openUdpTransport,
  type RemoteAddress,
} from '../../source/net/transport.ts';
import { CookieJar, DEFAULT_COOKIE_SLOT_MS } from '../../source/peer/cookie-jar.ts';
import { Bitfield } from '../../source/peer/download/bitfield.ts';
import { buildMetainfo } from '../../source/peer/metainfo-builder.ts';
import { METAINFO_FETCHES_PER_SLOT } from '../../source/peer/reply-allowance.ts';
import {
  IGNORE_MS,
  MAX_TRACKED_REQUESTERS,
  REJECT_LIMIT,
} from '../../source/peer/requester-ledger.ts';
import {
  MAX_UNSENT_DATAGRAMS,
  METAINFO_CHUNK_BYTES,
  type SeededFile,
  Seeder,
} from '../../source/peer/seeder.ts';
import {
  DATA_HEADER_BYTES,
  type DataHeader,
  newDataHeader,
  peekHeader,
  readDataHeader,
} from '../../source/protocol/codec.ts';
import {
  COOKIE_BYTES,
  INFOHASH_BYTES,
  type Message,
  type RejectMessage,
  type RequestMessage,
} from '../../source/protocol/messages.ts';
import { encodeMetainfo, infohashOf, type Metainfo } from '../../source/protocol/metainfo.ts';

const HOST = '127.0.0.1';
const SEED = 4242;
const PIECE = 256 * 1024;
const BLOCK = 16 * 1024;
/** Two full pieces and a short last one. */
const FILE_BYTES = 2 * PIECE + 20_000;
const SEEDER_NODE_ID = 7;

const root = await mkdtemp(join(tmpdir(), 'bt-tui-seeder-'));
const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of closers.reverse()) await close();
  await rm(root, { recursive: true, force: true });
});

async function openEndpoint(
  wrap: (transport: DatagramTransport) => DatagramTransport = (transport) => transport,
  host = HOST,
): Promise<UdpEndpoint> {
  const opened = await openUdpTransport({
    host,
    port: 0,
    receiveBufferBytes: 8 * 1024 * 1024,
    sendBufferBytes: 1024 * 1024,
  });
  if (!opened.ok) throw new Error(opened.error.message);
  const endpoint = new UdpEndpoint(wrap(opened.transport));
  closers.push(() => endpoint.close());
  return endpoint;
}

/** A client that records every DATA datagram (copied) and every unsolicited message. */
interface Client {
  endpoint: UdpEndpoint;
  address: RemoteAddress;
  data: Array<{ header: DataHeader; payload: Buffer }>;
  messages: Array<{ message: Message; txid: number }>;
}

/** On `host`: another loopback address is another host to the seeder. */
async function openClient(host = HOST): Promise<Client> {
  const endpoint = await openEndpoint(undefined, host);
  const client: Client = { endpoint, address: endpoint.localAddress, data: [], messages: [] };
  endpoint.onData((datagram) => {
    const header: DataHeader = newDataHeader();
    assert.equal(readDataHeader(datagram, header), null);
    client.data.push({ header, payload: Buffer.from(datagram.subarray(DATA_HEADER_BYTES)) });
  });
  endpoint.onMessage((message, txid) => client.messages.push({ message, txid }));
  return client;
}

/** Polls until `condition` holds; the deadline only stops a broken test from hanging. */
async function waitFor(condition: () => boolean, what: string, deadlineMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > deadlineMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface World {
  clock: ManualClock;
  cookies: CookieJar;
  logger: Logger;
  seeder: Seeder;
  seederEndpoint: UdpEndpoint;
  seederAddress: RemoteAddress;
  file: SeededFile;
  content: Buffer;
}

let worlds = 0;
interface SeederSetup {
  maxQueuedBlocksPerPeer?: number;
  wrap?: (transport: DatagramTransport) => DatagramTransport;
  readMode?: IoMode;
}

async function startSeeder(setup: SeederSetup = {}): Promise<World> {
  const { maxQueuedBlocksPerPeer, readMode } = setup;
  const dir = await mkdtemp(join(root, `w${worlds++}-`));
  const content = new SeededRandom(SEED).bytes(FILE_BYTES);
  const path = join(dir, 'big.iso');
  await writeFile(path, content);
  const built = await buildMetainfo(path, 'big.iso');
  const file: SeededFile = { name: 'big.iso', path, ...built };
  const clock = new ManualClock();
  const cookies = new CookieJar({ clock });
  const logger = new Logger({ filePath: null, clock });
  const seederEndpoint = await openEndpoint(setup.wrap);
  const seeder = new Seeder({
    endpoint: seederEndpoint,
    nodeId: SEEDER_NODE_ID,
    clock,
    cookies,
    logger,
    ...(maxQueuedBlocksPerPeer === undefined ? {} : { maxQueuedBlocksPerPeer }),
    ...(readMode === undefined ? {} : { readMode }),
  });
  closers.push(() => seeder.close());
  seederEndpoint.onMessage((m, txid, from, bytes) => seeder.handleMessage(m, txid, from, bytes));
  await seeder.add(file);
  const seederAddress = seederEndpoint.localAddress;
  return { clock, cookies, logger, seeder, seederEndpoint, seederAddress, file, content };
}

/** What the seeder's log said of rounds of first copies of the file. */
function roundLines(world: World): string[] {
  return world.logger
    .getSnapshot()
    .map((line) => line.text)
    .filter((text) => text.startsWith('every piece of big.iso'));
}

async function hello(client: Client, world: World): Promise<Buffer> {
  const outcome = await client.endpoint.request(world.seederAddress, { type: 'hello', nodeId: 9 });
  assert.ok(outcome.ok && outcome.reply.type === 'welcome', 'welcome expected');
  return outcome.reply.cookie;
}

function blockRequest(
  world: World,
  cookie: Buffer,
  fields: Partial<RequestMessage> = {},
): RequestMessage {
  return {
    type: 'request',
    cookie,
    infohash: world.file.infohash,
    piece: 0,
    begin: 0,
    blockLength: BLOCK,
    count: 4,
    tag: 21,
    ...fields,
  };
}

/** A request for the first chunk of the file's metainfo: all of it, for this small file. */
function firstMetainfoChunk(world: World, cookie: Buffer) {
  return { type: 'metainfo-request', cookie, infohash: world.file.infohash, offset: 0 } as const;
}

/** An IoMode that finds every read at once slow and made from the disk. */
function diskBoundReads(): IoMode {
  let blockReads = 0;
  return new IoMode({ slowStreak: 3, slowCallMs: -1, diskWork: () => blockReads++ });
}

/** Sends a request expected to be refused; returns the REJECT. */
async function expectReject(client: Client, world: World, m: Message): Promise<RejectMessage> {
  const outcome = await client.endpoint.request(world.seederAddress, m, { retries: 0 });
  assert.ok(outcome.ok, 'a reply expected');
  assert.equal(outcome.reply.type, 'reject');
  return outcome.reply as RejectMessage;
}

/** The file bytes a block should carry. */
function expectedBlock(world: World, piece: number, begin: number, length: number): Buffer {
  const at = piece * PIECE + begin;
  return world.content.subarray(at, at + length);
}

describe('Seeder over loopback', () => {
  test('answers HELLO with a WELCOME carrying its node id and a cookie for the sender', async () => {
    const world = await startSeeder();
    const client = await openClient();
    const outcome = await client.endpoint.request(world.seederAddress, {
      type: 'hello',
      nodeId: 9,
    });
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.reply, {
      type: 'welcome',
      nodeId: SEEDER_NODE_ID,
      cookie: world.cookies.issue(client.address),
    });
  });

  test('serves metainfo in chunks that reassemble to the encoded bytes', async () => {
    const world = await startSeeder();
    // A 200 MiB sparse file has 800 pieces: its metainfo (~25 KiB) takes two chunks.
    const path = join(root, 'sparse.bin');
    const sizeBytes = 200 * 1024 * 1024;
    await writeFile(path, '');
    await truncate(path, sizeBytes);
    const metainfo: Metainfo = {
      name: 'sparse.bin',
      sizeBytes,
      pieceSizeBytes: PIECE,
      pieceHashes: new SeededRandom(SEED).bytes(800 * 32),
    };
    const encoded = encodeMetainfo(metainfo);
    const infohash = infohashOf(encoded);
    await world.seeder.add({ name: 'sparse.bin', path, sizeBytes, metainfo, encoded, infohash });
    const client = await openClient();
    const cookie = await hello(client, world);
    const chunks: Buffer[] = [];
    let offset = 0;
    while (offset < encoded.length) {
      const request = { type: 'metainfo-request', cookie, infohash, offset } as const;
      const outcome = await client.endpoint.request(world.seederAddress, request);
      assert.ok(outcome.ok && outcome.reply.type === 'metainfo-data');
      assert.equal(outcome.reply.totalLength, encoded.length);
      assert.equal(outcome.reply.offset, offset);
      chunks.push(Buffer.from(outcome.reply.bytes));
      offset += outcome.reply.bytes.length;
    }
    assert.deepEqual(
      chunks.map((c) => c.length),
      [METAINFO_CHUNK_BYTES, encoded.length - METAINFO_CHUNK_BYTES],
    );
    assert.deepEqual(Buffer.concat(chunks), encoded);
  });

  test('serves a run of 4 blocks whose bytes are exactly the file bytes, with the request txid', async () => {
    const world = await startSeeder();
    const client = await openClient();
    const cookie = await hello(client, world);
    const txid = client.endpoint.send(
      world.seederAddress,
      blockRequest(world, cookie, { piece: 1, begin: BLOCK }),
    );
    await waitFor(() => client.data.length === 4, '4 DATA');
    client.data.forEach(({ header, payload }, i) => {
      assert.equal(header.txid, txid);
      assert.equal(header.piece, 1);
      assert.equal(header.begin, BLOCK + i * BLOCK);
      assert.deepEqual(payload, expectedBlock(world, 1, header.begin, BLOCK), `seed ${SEED}`);
    });
    const stats = world.seeder.stats();
    assert.equal(stats.blocksServed, 4);
    assert.equal(stats.bytesServed, 4 * BLOCK);
    assert.equal(stats.peers[0]?.bytesServed, 4 * BLOCK);
    assert.equal(stats.files[0]?.blocksServed, 4);
  });

  test('ends a run at the end of the short last piece, never reading past the file', async () => {
    const world = await startSeeder();
    const client = await openClient();
    const cookie = await hello(client, world);
    client.endpoint.send(world.seederAddress, blockRequest(world, cookie, { piece: 2, count: 64 }));
    await waitFor(() => client.data.length === 2, '2 DATA');
    assert.deepEqual(
      client.data.map(({ header, payload }) => [header.begin, payload.length]),
      [
        [0, BLOCK],
        [BLOCK, 20_000 - BLOCK],
      ],
    );
    for (const { header, payload } of client.data) {
      assert.deepEqual(payload, expectedBlock(world, 2, header.begin, payload.length));
    }
  });

  test('refuses a bad cookie with bad-cookie and sends no DATA', async () => {
    const world = await startSeeder();
    const client = await openClient();
    const cookie = await hello(client, world);
    const forged = Buffer.alloc(COOKIE_BYTES, 0x5a);
    const reject = await expectReject(client, world, blockRequest(world, forged, { piece: 1 }));
    assert.deepEqual(reject, {
      type: 'reject',
      infohash: world.file.infohash,
      piece: 1,
      begin: 0,
      reason: 'bad-cookie',
    });
    const metaReject = await expectReject(client, world, {
      type: 'metainfo-request',
      cookie: forged,
      infohash: world.file.infohash,
      offset: 0,
    });
    assert.equal(metaReject.reason, 'bad-cookie');
    // A valid request afterwards is the barrier: only its DATA may arrive.
    const txid = client.endpoint.send(
      world.seederAddress,
      blockRequest(world, cookie, { count: 1 }),
    );
    await waitFor(() => client.data.length >= 1, 'DATA of the valid request');
    assert.deepEqual(
      client.data.map((d) => d.header.txid),
      [txid],
    );
  });

  test('refuses an unknown infohash with not-seeding', async () => {
    const world = await startSeeder();
    const client = await openClient();
    const cookie = await hello(client, world);
    const unknown = Buffer.alloc(INFOHASH_BYTES, 0x11);
    const reject = await expectReject(
      client,
      world,
      blockRequest(world, cookie, { infohash: unknown }),
    );
    assert.equal(reject.reason, 'not-seeding');
    assert.deepEqual(reject.infohash, unknown);
    const metaReject = await expectReject(client, world, {
      type: 'metainfo-request',
      cookie,
      infohash: unknown,
      offset: 0,
    });
    assert.equal(metaReject.reason, 'not-seeding');
  });

  test('refuses ranges outside the file with bad-range', async () => {
    const world = await startSeeder();
    const client = await openClient();
    const cookie = await hello(client, world);
    const outside: Array<Partial<RequestMessage>> = [
      { piece: 3 },
      { piece: 0xffff_ffff },
      { piece: 0, begin: PIECE },
      { piece: 2, begin: 20_000 },
      { piece: 1, begin: 0xffff_ffff },
    ];
    for (const fields of outside) {
      const reject = await expectReject(client, world, blockRequest(world, cookie, fields));
      assert.equal(reject.reason, 'bad-range', JSON.stringify(fields));
      assert.equal(reject.piece, fields.piece);
    }
    const metaReject = await expectReject(client, world, {
      type: 'metainfo-request',
      cookie,
      infohash: world.file.infohash,
      offset: world.file.encoded.length,
    });
    assert.equal(metaReject.reason, 'bad-range');
    assert.equal(client.data.length, 0);
  });

  test('sends no DATA to a request carrying a cookie issued to another port', async () => {
    const world = await startSeeder();
    const victim = await openClient();
    const attacker = await openClient();
    const attackerCookie = await hello(attacker, world);
    // The victim's socket sends a well-formed request with a cookie that is not its own.
    const reject = await expectReject(victim, world, blockRequest(world, attackerCookie));
    assert.equal(reject.reason, 'bad-cookie');
    assert.equal(world.seeder.stats().blocksServed, 0);
    assert.equal(victim.data.length, 0);
  });

  test('serves a REQUEST once: a duplicate or replay of its txid gets nothing, within the cookie life', async () => {
    const world = await startSeeder();
    const client = await openClient();
    const cookie = await hello(client, world);
    const request = blockRequest(world, cookie, { count: 2 });
    const txid = client.endpoint.send(world.seederAddress, request);
    await waitFor(() => client.data.length === 2, '2 DATA');
    // The same datagram again, now and one cookie slot later (the cookie is still valid then).
    client.endpoint.send(world.seederAddress, request, txid);
    world.clock.advance(DEFAULT_COOKIE_SLOT_MS);
    client.endpoint.send(world.seederAddress, request, txid);
    // A new txid is a new request: its DATA, arriving after the replays', is the barrier.
    const next = client.endpoint.send(
      world.seederAddress,
      blockRequest(world, cookie, { count: 1 }),
    );
    await waitFor(() => client.data.length >= 3, 'DATA of the new request');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      client.data.map((d) => d.header.txid),
      [txid, txid, next],
    );
    assert.equal(client.messages.length, 0, 'no REJECT either');
    assert.equal(world.seeder.stats().blocksServed, 3);
  });

  test(`serves a file's metainfo ${METAINFO_FETCHES_PER_SLOT} times a cookie slot to one requester, then refuses busy`, async () => {
    const world = await startSeeder();
    const client = await openClient();
    const cookie = await hello(client, world);
    const request = firstMetainfoChunk(world, cookie);
    // One chunk holds this file's metainfo: each request is a whole fetch. The same txid each
    // time, as a captured request replayed: it got the chunk at every copy, 91 times its size.
    for (let i = 0; i < METAINFO_FETCHES_PER_SLOT; i++) {
      const outcome = await client.endpoint.request(world.seederAddress, request, { txid: 77 });
      assert.ok(outcome.ok && outcome.reply.type === 'metainfo-data', `fetch ${i + 1}`);
    }
    const refused = await expectReject(client, world, request);
    assert.equal(refused.reason, 'busy');
    assert.equal(world.seeder.stats().peers[0]?.ignored, false);
    world.clock.advance(DEFAULT_COOKIE_SLOT_MS);
    const fresh = await hello(client, world);
    const again = await client.endpoint.request(world.seederAddress, { ...request, cookie: fresh });
    assert.ok(again.ok && again.reply.type === 'metainfo-data', 'served again in the next slot');
  });

  test('metainfo chunks go out within the upload limit, as DATA does, 300 ms of it queued at most', async () => {
    const world = await startSeeder();
    world.seeder.setUploadLimit(1024);
    const client = await openClient();
    const cookie = await hello(client, world);
    const request = firstMetainfoChunk(world, cookie);
    const outcomes: string[] = [];
    const asked = Array.from({ length: METAINFO_FETCHES_PER_SLOT }, () =>
      client.endpoint
        .request(world.seederAddress, request, { timeoutMs: 5_000, retries: 0 })
        .then((outcome) => {
          const reply = outcome.ok ? outcome.reply : null;
          outcomes.push(reply?.type === 'reject' ? reply.reason : (reply?.type ?? 'timeout'));
        }),
    );
    // The clock stands still: what the limit has not earned yet waits for it, up to 300 ms of
    // it (307 B at 1 KiB/s: two chunks of this metainfo); the rest is refused busy at once.
    // Queued without a bound, 30 ports of one host held a limit for a minute after they stopped.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(!outcomes.includes('metainfo-data'), 'nothing earned yet under 1 KiB/s');
    world.clock.advance(METAINFO_FETCHES_PER_SLOT * world.file.encoded.length + 100);
    await Promise.all(asked);
    const data = outcomes.filter((o) => o === 'metainfo-data').length;
    const busy = outcomes.filter((o) => o === 'busy').length;
    assert.deepEqual(
      [data + busy, data >= 1, data <= 3],
      [METAINFO_FETCHES_PER_SLOT, true, true],
      outcomes.join(),
    );
  });

  // Refused while anything was queued, every newcomer to a lone owner at `--upload-limit 2K` was
  // until the one it served had finished: five were served one after another (found by a session).
  test('a newcomer gets a metainfo chunk at once past a queue held by another, one at a time', async () => {
    const world = await startSeeder();
    world.seeder.setUploadLimit(1024);
    const busyOne = await openClient();
    const busyCookie = await hello(busyOne, world);
    // The clock stands still: the first two chunks wait for the limit (300 ms of it), the rest
    // are refused; the queue is then over its 300 ms.
    for (let i = 0; i < 4; i++)
      busyOne.endpoint.send(world.seederAddress, firstMetainfoChunk(world, busyCookie));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const newcomer = await openClient();
    const cookie = await hello(newcomer, world);
    const ask = () =>
      newcomer.endpoint
        .request(world.seederAddress, firstMetainfoChunk(world, cookie), {
          timeoutMs: 1_000,
          retries: 0,
        })
        .then((outcome) => {
          const reply = outcome.ok ? outcome.reply : null;
          return reply?.type === 'reject' ? `reject ${reply.reason}` : reply?.type;
        });
    assert.equal(await ask(), 'metainfo-data');
    // Its share holds the chunk until the limit has paid for it: not a second one meanwhile.
    assert.equal(await ask(), 'reject busy');
  });

  // `went out once (in 0.0 s)` was logged 64 s before an owner at `2K` had sent them (found by a
  // session): under a limit a piece is granted when asked, and sent when the limit allows.
  test('under an upload limit the round of first copies is said as granted, with what is queued', async () => {
    const world = await startSeeder();
    world.seeder.setUploadLimit(1024);
    for (let piece = 0; piece < 3; piece++) {
      const client = await openClient();
      const cookie = await hello(client, world);
      client.endpoint.send(world.seederAddress, blockRequest(world, cookie, { piece, count: 1 }));
    }
    const said = () => roundLines(world);
    await waitFor(() => said().length > 0, 'the round said');
    assert.match(
      said()[0]!,
      /^every piece of big\.iso was granted once \(in 0\.0 s, 0 twice\); the upload limit sends what is queued in \d+s$/,
    );
  });

  test('under a short queue the round is said as granted too where a piece takes over a second', async () => {
    const world = await startSeeder();
    // 256 KiB pieces at 200 KiB/s; three 16 KiB blocks queue 240 ms of it.
    world.seeder.setUploadLimit(200 * 1024);
    const client = await openClient();
    const cookie = await hello(client, world);
    for (let piece = 0; piece < 3; piece++)
      client.endpoint.send(world.seederAddress, blockRequest(world, cookie, { piece, count: 1 }));
    const said = () => roundLines(world);
    await waitFor(() => said().length > 0, 'the round said');
    assert.deepEqual(said(), [
      'every piece of big.iso was granted once (in 0.0 s, 0 twice); they go out as the upload limit allows',
    ]);
  });

  // At 2 MiB/s three leechers' runs queued 0.3-1 s, and the round read `the upload limit sends
  // what is queued in 0s` (a CI run): within a second they are out.
  test('a queue the limit sends within a second is said as gone out', async () => {
    const world = await startSeeder();
    // 256 KiB pieces at 400 KiB/s (0.64 s each); three peers' 64 KiB runs queue 0.48 s.
    world.seeder.setUploadLimit(400 * 1024);
    for (let piece = 0; piece < 3; piece++) {
      const client = await openClient();
      const cookie = await hello(client, world);
      client.endpoint.send(world.seederAddress, blockRequest(world, cookie, { piece, count: 4 }));
    }
    const said = () => roundLines(world);
    await waitFor(() => said().length > 0, 'the round said');
    assert.deepEqual(said(), ['every piece of big.iso went out once (in 0.0 s, 0 twice)']);
  });

  // Behind the DATA of a partial owner held to `--upload-limit 2K` a BITFIELD was refused busy,
  // and a new downloader read `◐0/128` beside its 38 pieces for 20-70 s (found by a session).
  test('a BITFIELD goes out at once, not behind what the upload limit holds back', async () => {
    const world = await startSeeder();
    world.seeder.setUploadLimit(1024);
    const client = await openClient();
    const cookie = await hello(client, world);
    // The clock stands still: two metainfo chunks wait for the limit, 300 ms of it.
    const request = firstMetainfoChunk(world, cookie);
    for (let i = 0; i < 4; i++) client.endpoint.send(world.seederAddress, request);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const outcome = await client.endpoint.request(
      world.seederAddress,
      { type: 'bitfield-request', cookie, infohash: world.file.infohash },
      { timeoutMs: 1_000, retries: 0 },
    );
    const reply = outcome.ok ? outcome.reply : null;
    assert.equal(reply?.type === 'reject' ? `reject ${reply.reason}` : reply?.type, 'bitfield');
  });

  test('refusing bad cookies "from" a downloader never silences it nor drops its record', async () => {
    const world = await startSeeder();
    const client = await openClient();
    const cookie = await hello(client, world);
    client.endpoint.send(world.seederAddress, blockRequest(world, cookie, { count: 1 }));
    await waitFor(() => client.data.length === 1, 'DATA');
    // What a stranger forging the downloader's address sends: requests with a wrong cookie,
    // enough to be ignored, and from as many other forged addresses as the ledger holds.
    const forged = blockRequest(world, Buffer.alloc(COOKIE_BYTES, 0x5a));
    for (let i = 0; i < 2 * REJECT_LIMIT; i++)
      world.seeder.handleMessage(forged, 5000 + i, client.address, 71);
    for (let port = 1; port <= MAX_TRACKED_REQUESTERS; port++)
      world.seeder.handleMessage(forged, 9000, { address: '127.0.0.9', port }, 71);
    const lines = world.logger.getSnapshot().map((l) => l.text);
    assert.ok(!lines.some((text) => text.startsWith('ignoring')));
    assert.ok(
      lines.includes(
        `no more bad-cookie refusals to ${formatAddress(client.address)} for a while: too many requests without a valid cookie`,
      ),
    );
    assert.deepEqual(
      world.seeder.stats().peers.map((p) => [p.address, p.port, p.bytesServed]),
      [[client.address.address, client.address.port, BLOCK]],
    );
    // The downloader itself is still answered: HELLO, and a request with its valid cookie.
    assert.deepEqual(await hello(client, world), cookie);
    const txid = client.endpoint.send(
      world.seederAddress,
      blockRequest(world, cookie, { count: 1 }),
    );
    await waitFor(() => client.data.length === 2, 'DATA after the forgeries');
    assert.equal(client.data[1]?.header.txid, txid);
  });

  test('bounds a request flood: busy, then no reply at all until the ignore period ends', async () => {
    // Reads through the thread pool from the start, so runs stay queued while they are read.
    const readMode = diskBoundReads();
    readMode.noteCallAtOnce(0, 0);
    const world = await startSeeder({ maxQueuedBlocksPerPeer: 8, readMode });
    const client = await openClient();
    const cookie = await hello(client, world);
    const flood = blockRequest(world, cookie, { blockLength: 1024, count: 4 });
    // Synchronous calls: the first two runs are being read (8 blocks queued) while the rest arrive.
    for (let i = 0; i < 100; i++) {
      world.seeder.handleMessage(flood, 1000 + i, client.address, 71);
    }
    const busy = REJECT_LIMIT + 1;
    assert.equal(world.seeder.stats().rejectsSent, busy);
    await waitFor(
      () => client.data.length === 8 && client.messages.length === busy,
      '8 DATA and the busy rejects',
    );
    assert.ok(
      client.messages.every(
        ({ message }) => message.type === 'reject' && message.reason === 'busy',
      ),
    );
    assert.deepEqual(
      client.messages.map(({ txid }) => txid),
      Array.from({ length: busy }, (_, i) => 1002 + i),
    );
    assert.equal(world.seeder.stats().peers[0]?.ignored, true);
    assert.ok(world.logger.getSnapshot().some((l) => l.text.startsWith(`ignoring ${HOST}:`)));
    // While ignored even HELLO goes unanswered.
    const ignoredHello = await client.endpoint.request(
      world.seederAddress,
      { type: 'hello', nodeId: 9 },
      { timeoutMs: 100, retries: 0 },
    );
    assert.deepEqual(ignoredHello, { ok: false, reason: 'timeout' });
    world.clock.advance(IGNORE_MS);
    const freshCookie = await hello(client, world);
    client.endpoint.send(world.seederAddress, blockRequest(world, freshCookie, { count: 1 }));
    await waitFor(() => client.data.length === 9, 'DATA after the ignore period');
  });

  test('keeps reading the file it opened when the path is replaced by a link', async () => {
    const world = await startSeeder();
    const other = join(root, 'other.bin');
    await writeFile(other, Buffer.alloc(FILE_BYTES, 0xee));
    await rename(world.file.path, `${world.file.path}.moved`);
    await symlink(other, world.file.path);
    const client = await openClient();
    const cookie = await hello(client, world);
    client.endpoint.send(world.seederAddress, blockRequest(world, cookie, { count: 1 }));
    await waitFor(() => client.data.length === 1, 'DATA');
    assert.deepEqual(client.data[0]?.payload, expectedBlock(world, 0, 0, BLOCK));
  });

  test('logs seeding, serving once per peer and file, and stopped seeding; then refuses', async () => {
    const world = await startSeeder();
    const client = await openClient();
    const cookie = await hello(client, world);
    for (let i = 0; i < 3; i++) {
      client.endpoint.send(world.seederAddress, blockRequest(world, cookie, { count: 1 }));
    }
    await waitFor(() => client.data.length === 3, '3 DATA');
    const hex = world.file.infohash.toString('hex');
    assert.equal(world.seeder.has(hex), true);
    await world.seeder.remove(hex);
    assert.equal(world.seeder.has(hex), false);
    assert.deepEqual(
      world.logger.getSnapshot().map((l) => l.text),
      [
        `seeding big.iso (531.5 KiB, ${hex.slice(0, 8)})`,
        `serving big.iso to ${HOST}:${client.address.port}`,
        'stopped seeding big.iso',
      ],
    );
    const reject = await expectReject(client, world, blockRequest(world, cookie));
    assert.equal(reject.reason, 'not-seeding');
  });

  test('a download served partially and then stopped says so, not `stopped seeding`', async () => {
    const world = await startSeeder();
    const hex = world.file.infohash.toString('hex');
    await world.seeder.remove(hex);
    const have = new Bitfield(world.file.metainfo.pieceHashes.length / 32);
    have.add(0);
    await world.seeder.addPartial(world.file, have);
    await world.seeder.remove(hex);
    assert.deepEqual(
      world.logger
        .getSnapshot()
        .map((l) => l.text)
        .slice(2),
      [
        `serving the verified pieces of big.iso (531.5 KiB, ${hex.slice(0, 8)})`,
        'stopped serving the verified pieces of big.iso',
      ],
    );
  });

  test('refuses to add a file whose size no longer matches its metainfo', async () => {
    const world = await startSeeder();
    await writeFile(world.file.path, 'shorter now');
    const changed = { ...world.file, infohash: Buffer.alloc(INFOHASH_BYTES, 3) };
    await assert.rejects(world.seeder.add(changed), {
      message: 'big.iso changed since it was hashed',
    });
    assert.equal(world.seeder.has(changed.infohash.toString('hex')), false);
  });

  test('serves through the thread pool, exactly, once reads at once are slow', async () => {
    // The manual clock never ends the hold.
    const readMode = diskBoundReads();
    const world = await startSeeder({ readMode });
    const client = await openClient();
    const cookie = await hello(client, world);
    for (const piece of [0, 1, 2]) {
      client.endpoint.send(world.seederAddress, blockRequest(world, cookie, { piece }));
      await waitFor(() => client.data.length === 4 * (piece + 1) - (piece === 2 ? 2 : 0), 'DATA');
    }
    assert.equal(readMode.slowCalls, 1, 'one read at once, then the pool');
    for (const { header, payload } of client.data) {
      assert.deepEqual(payload, expectedBlock(world, header.piece, header.begin, payload.length));
    }
  });

  test('a run whose datagrams wait in the socket queue keeps its buffer until they leave', async () => {
    const honest = await serveThroughQueue(true);
    assert.equal(honest.changed, 0, 'no held datagram changed before it left');
    assert.equal(honest.blocks, 32);
    // The control: a queue that says it is empty sees its held datagrams overwritten.
    const lying = await serveThroughQueue(false);
    assert.ok(lying.changed > 0, 'the check can fail');
  });

  test('refuses busy, not counted against the asker, while the socket queue is long', async () => {
    let socket: QueueingSocket | null = null;
    const world = await startSeeder({
      wrap: (transport) => {
        socket = new QueueingSocket(transport, true, 1_000);
        return socket;
      },
    });
    const client = await openClient();
    const cookie = await hello(client, world);
    const runs = MAX_UNSENT_DATAGRAMS / 4 + 3;
    for (let i = 0; i < runs; i++) {
      const at = { piece: i % 2, begin: Math.floor(i / 2) * 4096, blockLength: 1024 };
      client.endpoint.send(world.seederAddress, blockRequest(world, cookie, at));
    }
    await waitFor(() => client.messages.length === 2, 'two busy rejects');
    assert.deepEqual(
      client.messages.map(({ message }) => message.type === 'reject' && message.reason),
      ['busy', 'busy'],
    );
    assert.equal(socket!.unsentDatagrams, MAX_UNSENT_DATAGRAMS + 4);
    assert.equal(world.seeder.stats().peers[0]?.ignored, false);
    await waitFor(() => client.data.length === MAX_UNSENT_DATAGRAMS + 4, 'the queued DATA');
  });

  test('under a low upload limit serves what 200 ms of it carries of a run, and refuses the rest busy', async () => {
    const world = await startSeeder();
    // 64 KiB/s: 200 ms carry 12.8 KiB, under one block: one block goes, at least.
    world.seeder.setUploadLimit(64 * 1024);
    world.clock.advance(100);
    const client = await openClient();
    const cookie = await hello(client, world);
    client.endpoint.send(world.seederAddress, blockRequest(world, cookie, { count: 16 }));
    await waitFor(() => client.data.length === 1 && client.messages.length === 1, 'one block');
    assert.equal(client.data[0]?.header.begin, 0);
    const refused = client.messages[0]?.message as RejectMessage;
    assert.deepEqual([refused.type, refused.reason, refused.begin], ['reject', 'busy', BLOCK]);
    assert.equal(world.seeder.stats().peers[0]?.ignored, false, 'our limit, not its fault');
    // Until 2026-12-07 the whole run went at once: 256 KiB at a limit of 64 KiB/s.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(client.data.length, 1);
  });

  test('under an upload limit a full queue still takes a run from another host, up to its share', async () => {
    const world = await startSeeder();
    // 160 KiB/s: a run is cut to 2 blocks (200 ms), and the queue is full past 300 ms. The
    // clock stands still: nothing queued goes out, so the queue stays as the requests leave it.
    world.seeder.setUploadLimit(160 * 1024);
    const greedy = await openClient('127.0.0.1');
    const honest = await openClient('127.0.0.2');
    const greedyCookie = await hello(greedy, world);
    const honestCookie = await hello(honest, world);
    const ask = (client: Client, cookie: Buffer, piece: number) =>
      client.endpoint.send(world.seederAddress, blockRequest(world, cookie, { piece, count: 2 }));
    // Two runs fill the queue (400 ms of the limit); the third is refused.
    for (const piece of [0, 1, 2]) ask(greedy, greedyCookie, piece);
    await waitFor(() => greedy.messages.length === 1, 'the greedy host refused once');
    const refused = greedy.messages[0]!.message as RejectMessage;
    assert.deepEqual([refused.type, refused.reason, refused.piece], ['reject', 'busy', 2]);
    // Before 2026-12-07 the honest host was refused too, and the greedy one, asking again
    // every 100 ms, took each place as it freed (found by a session).
    // Piece 2, which nobody has had: each piece goes out once before any goes out twice.
    ask(honest, honestCookie, 2);
    ask(greedy, greedyCookie, 2);
    await waitFor(() => greedy.messages.length === 2, 'the greedy host refused again');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(honest.messages, [], 'the other host is not refused');
    world.clock.advance(1_000);
    await waitFor(() => honest.data.length === 2, "the other host's run");
    assert.deepEqual(
      honest.data.map(({ header }) => [header.piece, header.begin]),
      [
        [2, 0],
        [2, BLOCK],
      ],
    );
  });
});

/**
 * Holds every DATA datagram by reference, as the kernel's queue does when the send buffer is
 * full, and sends a copy taken at send() time after `holdMs`. `honest` says whether it reports
 * what it holds in unsentDatagrams. Counts datagrams whose bytes changed while held.
 */
class QueueingSocket extends PassthroughTransport {
  changed = 0;
  private readonly held: Array<{ datagram: Uint8Array; length: number; copy: Buffer }> = [];

  constructor(
    inner: DatagramTransport,
    private readonly honest: boolean,
    private readonly holdMs = 30,
  ) {
    super(inner);
  }

  override get unsentDatagrams(): number {
    return (this.honest ? this.held.length : 0) + this.inner.unsentDatagrams;
  }

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    const header = peekHeader(datagram.subarray(0, length));
    if (!header.ok || header.type !== 'data') {
      super.send(datagram, length, to);
      return;
    }
    const copy = Buffer.from(datagram.subarray(0, length));
    this.held.push({ datagram, length, copy });
    const target = { address: to.address, port: to.port };
    setTimeout(() => {
      const entry = this.held.shift()!;
      if (!entry.copy.equals(entry.datagram.subarray(0, entry.length))) this.changed++;
      super.send(entry.copy, entry.length, target);
    }, this.holdMs);
  }
}

/** Eight runs of 4 blocks asked back to back from a seeder whose socket holds its DATA a while. */
async function serveThroughQueue(honest: boolean): Promise<{ changed: number; blocks: number }> {
  let socket: QueueingSocket | null = null;
  const world = await startSeeder({
    wrap: (transport) => {
      socket = new QueueingSocket(transport, honest);
      return socket;
    },
  });
  const client = await openClient();
  const cookie = await hello(client, world);
  for (const piece of [0, 1]) {
    for (const begin of [0, 4, 8, 12]) {
      const request = blockRequest(world, cookie, { piece, begin: begin * BLOCK });
      client.endpoint.send(world.seederAddress, request);
    }
  }
  await waitFor(() => client.data.length === 32, '32 DATA');
  for (const { header, payload } of client.data) {
    assert.deepEqual(payload, expectedBlock(world, header.piece, header.begin, payload.length));
  }
  return { changed: socket!.changed, blocks: client.data.length };
}

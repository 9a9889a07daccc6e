import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RequesterStats } from '../../source/peer/requester-ledger.ts';
import type { SeederStats } from '../../source/peer/seeder.ts';
import { UploadPeers } from '../../source/peer/upload-peers.ts';
import type { SlotKind } from '../../source/peer/upload-slots.ts';

/** One requester as the seeder reports it: `address`, `port` and its bytes served so far. */
type PeerFigures = [address: string, port: number, bytesServed: number];
/** A slot entry: `address|port` and its slot (null: asked lately, choked). */
type SlotEntry = [key: string, slot: SlotKind | null];

function seederStats(peers: PeerFigures[], slots: SlotEntry[]): SeederStats {
  const peerStats: RequesterStats[] = peers.map(([address, port, bytesServed]) => ({
    address,
    port,
    bytesServed,
    blocksServed: Math.ceil(bytesServed / 16_384),
    rejectsSent: 0,
    lastActiveMs: 0,
    ignored: false,
  }));
  return {
    bytesServed: peers.reduce((sum, [, , bytes]) => sum + bytes, 0),
    blocksServed: peerStats.reduce((sum, peer) => sum + peer.blocksServed, 0),
    rejectsSent: 0,
    peers: peerStats,
    files: [],
    slots: slots.map(([key, slot]) => ({ key, slot, lastRequestMs: 0, lastGrantedMs: 0 })),
    uploadLimitBytesPerSec: 0,
  };
}

/** No peer named yet (the tracker has not answered WHO). */
const NO_NAMES = () => null;

describe('UploadPeers', () => {
  test('lists the peers with a slot entry, rate 0 until there is an earlier sample', () => {
    const peers = new UploadPeers();
    assert.deepEqual(peers.snapshot, []);
    peers.sample(
      seederStats(
        [
          ['10.0.0.2', 6881, 50_000],
          ['10.0.0.3', 6881, 1_000],
        ],
        [
          ['10.0.0.2|6881', 'regular'],
          ['10.0.0.3|6881', 'optimistic'],
        ],
      ),
      5_000,
      NO_NAMES,
    );
    assert.deepEqual(peers.snapshot, [
      {
        nodeId: null,
        address: '10.0.0.2:6881',
        slot: 'regular',
        rateBytesPerSec: 0,
        bytesServed: 50_000,
      },
      {
        nodeId: null,
        address: '10.0.0.3:6881',
        slot: 'optimistic',
        rateBytesPerSec: 0,
        bytesServed: 1_000,
      },
    ]);
  });

  test('rates are the bytes served since the last sample over the time since it', () => {
    const peers = new UploadPeers();
    const slots: SlotEntry[] = [
      ['10.0.0.2|6881', 'regular'],
      ['10.0.0.3|7000', 'regular'],
    ];
    peers.sample(
      seederStats(
        [
          ['10.0.0.2', 6881, 10_000],
          ['10.0.0.3', 7000, 0],
        ],
        slots,
      ),
      1_000,
      NO_NAMES,
    );
    peers.sample(
      seederStats(
        [
          ['10.0.0.2', 6881, 30_000],
          ['10.0.0.3', 7000, 500],
        ],
        slots,
      ),
      3_000,
      NO_NAMES,
    );
    assert.deepEqual(
      peers.snapshot.map((row) => [row.address, row.rateBytesPerSec]),
      [
        ['10.0.0.2:6881', 10_000],
        ['10.0.0.3:7000', 250],
      ],
    );
    // Nothing more served over the next 500 ms: the rate falls to 0.
    peers.sample(
      seederStats(
        [
          ['10.0.0.2', 6881, 30_000],
          ['10.0.0.3', 7000, 500],
        ],
        slots,
      ),
      3_500,
      NO_NAMES,
    );
    assert.deepEqual(
      peers.snapshot.map((row) => row.rateBytesPerSec),
      [0, 0],
    );
  });

  test('a peer first seen in this sample shows rate 0, not its whole total at once', () => {
    const peers = new UploadPeers();
    peers.sample(seederStats([], []), 0, NO_NAMES);
    peers.sample(
      seederStats([['10.0.0.2', 6881, 1_000_000]], [['10.0.0.2|6881', 'regular']]),
      1_000,
      NO_NAMES,
    );
    assert.equal(peers.snapshot[0]?.rateBytesPerSec, 0);
  });

  test('two samples at the same instant give rate 0 rather than dividing by zero', () => {
    const peers = new UploadPeers();
    const slots: SlotEntry[] = [['10.0.0.2|6881', 'regular']];
    peers.sample(seederStats([['10.0.0.2', 6881, 0]], slots), 1_000, NO_NAMES);
    peers.sample(seederStats([['10.0.0.2', 6881, 4_000]], slots), 1_000, NO_NAMES);
    assert.equal(peers.snapshot[0]?.rateBytesPerSec, 0);
  });

  test('shows each peer slot: regular, optimistic, or choked for a peer without one', () => {
    const peers = new UploadPeers();
    peers.sample(
      seederStats(
        [
          ['10.0.0.2', 1, 300],
          ['10.0.0.3', 1, 200],
          ['10.0.0.4', 1, 100],
        ],
        [
          ['10.0.0.2|1', 'regular'],
          ['10.0.0.3|1', 'optimistic'],
          ['10.0.0.4|1', null],
        ],
      ),
      0,
      NO_NAMES,
    );
    assert.deepEqual(
      peers.snapshot.map((row) => [row.address, row.slot]),
      [
        ['10.0.0.2:1', 'regular'],
        ['10.0.0.3:1', 'optimistic'],
        ['10.0.0.4:1', 'choked'],
      ],
    );
  });

  test('leaves out peers without a slot entry (they asked for no data lately)', () => {
    const peers = new UploadPeers();
    peers.sample(
      seederStats(
        [
          ['10.0.0.2', 1, 300],
          ['10.0.0.3', 1, 999_999],
          ['10.0.0.2', 2, 100],
        ],
        [
          ['10.0.0.2|1', 'regular'],
          ['10.0.0.2|2', null],
        ],
      ),
      0,
      NO_NAMES,
    );
    assert.deepEqual(
      peers.snapshot.map((row) => row.address),
      ['10.0.0.2:1', '10.0.0.2:2'],
    );
  });

  test('puts the busiest first: highest rate, then most bytes served', () => {
    const peers = new UploadPeers();
    const addresses = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'];
    const slots: SlotEntry[] = addresses.map((address) => [`${address}|1`, 'regular']);
    peers.sample(
      seederStats(
        addresses.map((address) => [address, 1, 0]),
        slots,
      ),
      0,
      NO_NAMES,
    );
    peers.sample(
      seederStats(
        [
          ['10.0.0.1', 1, 1_000],
          ['10.0.0.2', 1, 5_000],
          ['10.0.0.3', 1, 0],
          ['10.0.0.4', 1, 5_000],
        ],
        slots,
      ),
      1_000,
      NO_NAMES,
    );
    peers.sample(
      seederStats(
        [
          ['10.0.0.3', 1, 0],
          ['10.0.0.2', 1, 5_000],
          ['10.0.0.4', 1, 6_000],
          ['10.0.0.1', 1, 3_000],
        ],
        slots,
      ),
      2_000,
      NO_NAMES,
    );
    assert.deepEqual(
      peers.snapshot.map((row) => [row.address, row.rateBytesPerSec, row.bytesServed]),
      [
        ['10.0.0.1:1', 2_000, 3_000],
        ['10.0.0.4:1', 1_000, 6_000],
        ['10.0.0.2:1', 0, 5_000],
        ['10.0.0.3:1', 0, 0],
      ],
    );
  });

  test('shows at most 64 rows: the busiest ones', () => {
    const peers = new UploadPeers();
    const ports = Array.from({ length: 100 }, (_, i) => 1000 + i);
    const slots: SlotEntry[] = ports.map((port) => [`10.0.0.2|${port}`, 'regular']);
    peers.sample(
      seederStats(
        ports.map((port) => ['10.0.0.2', port, 0]),
        slots,
      ),
      0,
      NO_NAMES,
    );
    // Port 1000 + i served i KiB in the second.
    peers.sample(
      seederStats(
        ports.map((port) => ['10.0.0.2', port, (port - 1000) * 1024]),
        slots,
      ),
      1_000,
      NO_NAMES,
    );
    assert.equal(peers.snapshot.length, 64);
    assert.equal(peers.snapshot[0]?.address, '10.0.0.2:1099');
    assert.equal(peers.snapshot[63]?.address, '10.0.0.2:1036');
    assert.equal(peers.snapshot[63]?.rateBytesPerSec, 36 * 1024);
  });

  test('brackets IPv6 addresses so the port stays readable', () => {
    const peers = new UploadPeers();
    peers.sample(
      seederStats(
        [
          ['fe80::1', 6881, 100],
          ['::1', 7000, 50],
        ],
        [
          ['fe80::1|6881', 'regular'],
          ['::1|7000', null],
        ],
      ),
      0,
      NO_NAMES,
    );
    assert.deepEqual(
      peers.snapshot.map((row) => row.address),
      ['[fe80::1]:6881', '[::1]:7000'],
    );
  });

  test('names each row by the node the tracker says is there, and again after it answers', () => {
    const peers = new UploadPeers();
    const stats = seederStats(
      [
        ['10.0.0.2', 6881, 500],
        ['10.0.0.3', 6881, 100],
      ],
      [
        ['10.0.0.2|6881', 'regular'],
        ['10.0.0.3|6881', 'regular'],
      ],
    );
    const named = new Map([['10.0.0.2|6881', 4]]);
    const idOf = (a: { host: string; port: number }) => named.get(`${a.host}|${a.port}`) ?? null;
    peers.sample(stats, 0, idOf);
    assert.deepEqual(
      peers.snapshot.map((row) => [row.address, row.nodeId]),
      [
        ['10.0.0.2:6881', 4],
        ['10.0.0.3:6881', null],
      ],
    );
    assert.deepEqual(peers.addresses, [
      { host: '10.0.0.2', port: 6881 },
      { host: '10.0.0.3', port: 6881 },
    ]);
    named.set('10.0.0.3|6881', 7);
    peers.rename(idOf);
    assert.deepEqual(
      peers.snapshot.map((row) => row.nodeId),
      [4, 7],
    );
  });
});

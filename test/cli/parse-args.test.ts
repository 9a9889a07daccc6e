import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCommandLine } from '../../source/cli/parse-args.ts';
import { closest, editDistance } from '../../source/suggest.ts';

const parse = (...argv: string[]) => parseCommandLine(argv, '1.2.3');
const usageError = (...argv: string[]) => {
  const parsed = parse(...argv);
  assert.equal(parsed.kind, 'usage-error', JSON.stringify(parsed));
  return parsed.kind === 'usage-error' ? parsed.message : '';
};

describe('command line: commands, help and version', () => {
  test('--help and --version answer without a command', () => {
    assert.equal(parse('--help').kind, 'help');
    assert.deepEqual(parse('--version'), { kind: 'version', text: '1.2.3' });
  });

  test('a missing or unknown command is a usage error that suggests the closest one', () => {
    assert.equal(usageError(), 'missing command: try `bt-tui tracker` or `bt-tui peer --id 1`');
    assert.equal(
      usageError('trakcer'),
      'unknown command "trakcer"; did you mean "tracker"? (see --help)',
    );
    assert.equal(usageError('deom'), 'unknown command "deom"; did you mean "demo"? (see --help)');
    assert.equal(usageError('zzzzzzzz'), 'unknown command "zzzzzzzz" (see --help)');
    // A flag first is a flag, not a command (`unknown command "--versoin"`, until 2026-12-06).
    assert.equal(usageError('--versoin'), 'unknown flag --versoin; did you mean --version?');
    assert.equal(
      usageError('--id', '3'),
      'a command comes first, then its flags (got --id): bt-tui tracker, bt-tui peer --id N or bt-tui demo (see --help)',
    );
  });

  test('an unknown flag names the closest flag of that command', () => {
    assert.equal(
      usageError('tracker', '--prot', '1'),
      'unknown flag --prot; did you mean --port? (see --help)',
    );
    assert.equal(
      usageError('peer', '--id', '1', '--seedall'),
      'unknown flag --seedall; did you mean --seed-all? (see --help)',
    );
    assert.equal(
      usageError('peer', '--id', '1', 'extra'),
      'unexpected argument "extra" (flags start with --)',
    );
  });

  test("another command's flag is named as such; a number flag without its value needs one", () => {
    // Found by a session: `peer --sweep 1` said `did you mean --seed?`; `--id` alone `(got "")`.
    assert.equal(
      usageError('peer', '--id', '1', '--sweep', '1'),
      '--sweep is a flag of bt-tui tracker, not of bt-tui peer (see --help)',
    );
    assert.equal(
      usageError('tracker', '--seed-all'),
      '--seed-all is a flag of bt-tui peer, not of bt-tui tracker (see --help)',
    );
    assert.equal(usageError('peer', '--id'), '--id needs a value');
  });

  test('a switch given a value is refused, not read as off', () => {
    // Found by a session: `--exit-when-done=1` was off, and a script ran for good.
    assert.equal(
      usageError('peer', '--id', '1', '--exit-when-done=1'),
      '--exit-when-done takes no value (got "1"): give it alone to turn it on',
    );
    assert.equal(
      usageError('tracker', '--headless=yes'),
      '--headless takes no value (got "yes"): give it alone to turn it on',
    );
  });

  test('a value that starts with - after a flag that takes one says how to give it', () => {
    // Found by a session: `--download -dash.bin` said only `unknown flag -dash.bin`.
    assert.equal(
      usageError('peer', '--id', '1', '--download', '-dash.bin'),
      'unknown flag -dash.bin; for a value of --download that starts with -, write --download=-dash.bin',
    );
    assert.equal(
      usageError('peer', '--id', '1', '--files', '-x'),
      'unknown flag -x; for a value of --files that starts with -, write --files=-x',
    );
    // A misspelt flag after one left without its value is named as such.
    assert.equal(
      usageError('peer', '--id', '1', '--files', '--hedless'),
      'unknown flag --hedless; did you mean --headless? (see --help)',
    );
  });
});

describe('command line: tracker', () => {
  test('defaults from config.ts', () => {
    assert.deepEqual(parse('tracker'), {
      kind: 'tracker',
      options: {
        host: '127.0.0.1',
        port: 12345,
        dbDir: 'tracker_db',
        storeUrl: null,
        logsDir: 'logs',
        sweepIntervalMs: 22_000,
        maxNodes: 100_000,
        maxFiles: 100_000,
        headless: false,
      },
    });
  });

  test('--max-nodes and --max-files bound the swarm; a bad bound is one line', () => {
    const parsed = parse('tracker', '--max-nodes', '1000000', '--max-files', '3000000');
    assert.deepEqual(
      parsed.kind === 'tracker' && [parsed.options.maxNodes, parsed.options.maxFiles],
      [1_000_000, 3_000_000],
    );
    for (const [flag, value] of [
      ['--max-nodes', '0'],
      ['--max-files', '1e6'],
      ['--max-nodes', '20000000'],
    ] as const) {
      assert.equal(
        usageError('tracker', flag, value),
        `${flag} must be an integer from 1 to 10000000 (got "${value}")`,
      );
    }
  });

  test('export reads the store named by --db and takes no serving flags', () => {
    assert.deepEqual(parse('tracker', 'export', '--db', '/srv/db'), {
      kind: 'tracker-export',
      options: { dbDir: '/srv/db', storeUrl: null },
    });
    assert.equal(
      usageError('tracker', 'export', '--port', '1'),
      'tracker export takes only --db or --store (got --port)',
    );
    assert.equal(
      usageError('tracker', 'export', '--headless'),
      'tracker export takes only --db or --store (got --headless)',
    );
    assert.deepEqual(parse('tracker', 'export', '--store', 'redis://127.0.0.1:6379'), {
      kind: 'tracker-export',
      options: { dbDir: 'tracker_db', storeUrl: 'redis://127.0.0.1:6379' },
    });
    assert.equal(
      usageError('tracker', 'exprt'),
      'unexpected argument "exprt"; did you mean "tracker export"? (see --help)',
    );
    assert.equal(usageError('tracker', 'list'), 'unexpected argument "list" (flags start with --)');
    assert.equal(
      usageError('tracker', 'export', 'all'),
      'unexpected argument "all" (flags start with --)',
    );
  });

  test('--store names a shared Redis store, never beside --db', () => {
    const parsed = parse('tracker', '--store', 'redis://10.0.0.5:6379');
    assert.equal(parsed.kind === 'tracker' && parsed.options.storeUrl, 'redis://10.0.0.5:6379');
    assert.equal(
      usageError('tracker', '--store', 'postgres://x'),
      '--store supports redis://HOST:PORT only (got "postgres://x"); without --store the tracker keeps its swarm in --db',
    );
    assert.equal(
      usageError('tracker', '--store', 'localhost:6379'),
      '--store supports redis://HOST:PORT only (got "localhost:6379"); without --store the tracker keeps its swarm in --db',
    );
    // Redis's channels span its databases: two swarms on one server would mix (found by a
    // session); database 0 may be named.
    assert.equal(
      usageError('tracker', '--store', 'redis://127.0.0.1:6379/3'),
      '--store takes no database number (got "redis://127.0.0.1:6379/3"): Redis shares its channels between databases, so two swarms on one redis-server would mix; give each swarm a redis-server of its own',
    );
    assert.equal(
      usageError('tracker', 'export', '--store', 'redis://127.0.0.1:6379/3'),
      '--store takes no database number (got "redis://127.0.0.1:6379/3"): Redis shares its channels between databases, so two swarms on one redis-server would mix; give each swarm a redis-server of its own',
    );
    for (const url of ['redis://127.0.0.1:6379/', 'redis://127.0.0.1:6379/0']) {
      const named = parse('tracker', '--store', url);
      assert.equal(named.kind === 'tracker' && named.options.storeUrl, url);
    }
    assert.equal(
      usageError('tracker', '--store', 'redis://127.0.0.1:6379?db=3'),
      '--store takes no options (got "redis://127.0.0.1:6379?db=3"): redis://HOST:PORT',
    );
    assert.equal(
      usageError('tracker', '--store', 'redis://h:1', '--db', 'd'),
      'give --db (this machine) or --store (shared), not both',
    );
  });

  test('bad values are refused with what was expected and what was given', () => {
    assert.equal(
      usageError('tracker', '--port', '70000'),
      '--port must be an integer from 0 to 65535 (got "70000")',
    );
    assert.equal(
      usageError('tracker', '--port', 'abc'),
      '--port must be an integer from 0 to 65535 (got "abc")',
    );
    assert.equal(
      usageError('tracker', '--port', '-1'),
      '--port must be an integer from 0 to 65535 (got "-1")',
    );
    assert.equal(
      usageError('tracker', '--sweep', '-.5'),
      '--sweep must be a number of seconds from 0.2 to 3600 (got "-.5")',
    );
    assert.equal(
      usageError('tracker', '--sweep', '0.1'),
      '--sweep must be a number of seconds from 0.2 to 3600 (got "0.1")',
    );
    assert.equal(
      usageError('tracker', '--host', 'example'),
      '--host must be an IP address such as 127.0.0.1 (got "example")',
    );
  });

  test('a short sweep in fractions of a second', () => {
    const parsed = parse('tracker', '--sweep', '1.5', '--headless');
    assert.ok(
      parsed.kind === 'tracker' &&
        parsed.options.sweepIntervalMs === 1500 &&
        parsed.options.headless,
    );
  });
});

describe('command line: peer', () => {
  test('--id is required and must be a positive integer', () => {
    assert.equal(
      usageError('peer'),
      '--id is required: the node id, a positive integer (e.g. --id 3)',
    );
    assert.equal(
      usageError('peer', '--id', '0'),
      '--id must be an integer from 1 to 4294967295 (got "0")',
    );
    // Before, `-3` was taken for a flag: `unknown flag -3`.
    assert.equal(
      usageError('peer', '--id', '-3'),
      '--id must be an integer from 1 to 4294967295 (got "-3")',
    );
    assert.equal(usageError('peer', '--id', '-1', '-3'), 'unknown flag -3 (see --help)');
  });

  test('repeatable --seed and --download, tracker address, owners and block size', () => {
    const parsed = parse(
      'peer',
      '--id',
      '4',
      '--seed',
      'a.iso',
      '--seed',
      'b.iso',
      '--download',
      'c.iso',
      '--tracker',
      '127.0.0.1:4000',
      '--max-owners',
      '5',
      '--block-size',
      '1200',
      '--exit-when-done',
    );
    assert.equal(parsed.kind, 'peer');
    if (parsed.kind !== 'peer') return;
    assert.deepEqual(parsed.options.seed, ['a.iso', 'b.iso']);
    assert.deepEqual(parsed.options.download, ['c.iso']);
    assert.deepEqual(parsed.options.trackers, [{ address: '127.0.0.1', port: 4000 }]);
    assert.equal(parsed.options.maxOwners, 5);
    assert.equal(parsed.options.blockSizeBytes, 1200);
    assert.equal(parsed.options.exitWhenDone, true);
    assert.equal(parsed.options.port, 0, 'any free port by default');
  });

  test('--seed-time: seconds (decimals too) with --exit-when-done; 0 by default', () => {
    const seedTime = (...argv: string[]) => {
      const parsed = parse('peer', '--id', '4', ...argv);
      assert.equal(parsed.kind, 'peer', JSON.stringify(parsed));
      return parsed.kind === 'peer' ? parsed.options.seedTimeMs : -1;
    };
    assert.equal(seedTime(), 0);
    assert.equal(seedTime('--exit-when-done'), 0);
    assert.equal(seedTime('--exit-when-done', '--seed-time', '30'), 30_000);
    assert.equal(seedTime('--seed-time', '2.5', '--exit-when-done'), 2_500);
    assert.equal(seedTime('--exit-when-done', '--seed-time=0'), 0);
    assert.equal(seedTime('--exit-when-done', '--seed-time', '86400'), 86_400_000);
    const range = (got: string) =>
      `--seed-time must be a number of seconds from 0 to 86400 (got "${got}")`;
    for (const bad of ['1e3', 'soon', '86401', '3s', '.5'])
      assert.equal(
        usageError('peer', '--id', '4', '--exit-when-done', '--seed-time', bad),
        range(bad),
      );
    assert.equal(
      usageError('peer', '--id', '4', '--exit-when-done', '--seed-time'),
      '--seed-time needs a value',
    );
    assert.equal(
      usageError('peer', '--id', '4', '--seed-time', '30'),
      '--seed-time needs --exit-when-done: without it the node seeds until you stop it',
    );
  });

  test('--seed or --download with no file name is refused, not dropped', () => {
    // meow drops a repeatable flag's missing value: the node started without the download.
    assert.equal(
      usageError('peer', '--id', '4', '--headless', '--download'),
      '--download needs a file name (e.g. --download big.bin)',
    );
    assert.equal(
      usageError('peer', '--id', '4', '--seed', '--headless'),
      '--seed needs a file name (e.g. --seed big.bin)',
    );
    assert.equal(
      usageError('peer', '--id', '4', '--download', 'a.iso', '--download'),
      '--download needs a file name (e.g. --download big.bin)',
    );
    const parsed = parse('peer', '--id', '4', '--download=c.iso', '--seed', 'd.iso');
    assert.equal(parsed.kind, 'peer');
    if (parsed.kind === 'peer') {
      assert.deepEqual(parsed.options.download, ['c.iso']);
      assert.deepEqual(parsed.options.seed, ['d.iso']);
    }
  });

  test('rate limits and max peers: binary suffixes, 0 for none, a clear refusal otherwise', () => {
    const parsed = parse(
      'peer',
      '--id',
      '4',
      '--upload-limit',
      '500K',
      '--download-limit',
      '1.5M',
      '--max-peers',
      '12',
    );
    assert.equal(parsed.kind, 'peer');
    if (parsed.kind !== 'peer') return;
    assert.equal(parsed.options.uploadLimitBytesPerSec, 500 * 1024);
    assert.equal(parsed.options.downloadLimitBytesPerSec, 1.5 * 1024 * 1024);
    assert.equal(parsed.options.maxPeers, 12);
    const unlimited = parse('peer', '--id', '4');
    assert.equal(unlimited.kind === 'peer' && unlimited.options.uploadLimitBytesPerSec, 0);
    assert.equal(
      usageError('peer', '--id', '1', '--upload-limit', '10Mbit'),
      '--upload-limit must be bytes per second such as 500K, 10M or 0 for no limit (got "10Mbit")',
    );
    assert.equal(
      usageError('peer', '--id', '1', '--upload-limit', '-5'),
      '--upload-limit must be bytes per second such as 500K, 10M or 0 for no limit (got "-5")',
    );
    for (const args of [['--download-limit'], ['--download-limit='], ['--upload-limit', '']])
      assert.equal(
        usageError('peer', '--id', '1', ...args),
        `${args[0]!.replace('=', '')} needs a value`,
      );
    assert.equal(
      usageError('peer', '--id', '1', '--download-limit', 'fast'),
      '--download-limit must be bytes per second such as 500K, 10M or 0 for no limit (got "fast")',
    );
    assert.equal(
      usageError('peer', '--id', '1', '--download-limit', '99999999999999999'),
      '--download-limit must be at most 1024G (1 TiB/s) (got "99999999999999999")',
    );
    assert.equal(
      usageError('peer', '--id', '1', '--max-peers', '0'),
      '--max-peers must be an integer from 1 to 32 (got "0")',
    );
  });

  test('hostile names and bad addresses are refused before anything starts', () => {
    assert.match(
      usageError('peer', '--id', '1', '--download', '../x'),
      /^--download: name "\.\.\/x" refused/,
    );
    assert.match(usageError('peer', '--id', '1', '--seed', 'a/b'), /^--seed: name "a\/b" refused/);
    const several = parse('peer', '--id', '1', '--tracker', '127.0.0.1:4000, 10.0.0.2:4001');
    assert.deepEqual(several.kind === 'peer' && several.options.trackers, [
      { address: '127.0.0.1', port: 4000 },
      { address: '10.0.0.2', port: 4001 },
    ]);
    const six = parse('peer', '--id', '1', '--host', '::1', '--tracker', '[::1]:4001,[fe80::1]:9');
    assert.deepEqual(six.kind === 'peer' && six.options.trackers, [
      { address: '::1', port: 4001 },
      { address: 'fe80::1', port: 9 },
    ]);
    // A host name is taken, as it is, to be looked up at start in the family of --host.
    const named = parse('peer', '--id', '1', '--host', '::1', '--tracker', 'tracker-1.lan:6881');
    assert.deepEqual(named.kind === 'peer' && named.options.trackers, [
      { address: 'tracker-1.lan', port: 6881 },
    ]);
    const noPort = (given: string, shown = given) =>
      `--tracker ${given} has no port: give HOST:PORT, such as ${shown}:12345 (a tracker's default port)`;
    const family = (tracker: string, its: number, host: string) =>
      `--tracker ${tracker} is IPv${its} but --host ${host} is IPv${10 - its}: the node reaches its tracker from that address, so give both in one family`;
    // [--host, --tracker, the line]: what is wrong, not only what the flag looks like (a missing
    // port, a port out of range and a bad host all said `must be HOST:PORT`: found by hand).
    const refused: Array<[string, string, string]> = [
      ['127.0.0.1', 'localhost', noPort('localhost')],
      ['127.0.0.1', '10.0.0.2', noPort('10.0.0.2')],
      ['::1', '[::1]', noPort('[::1]')],
      [
        '127.0.0.1',
        '10.0.0.2:99999',
        '--tracker 10.0.0.2:99999: port 99999 is out of range (1 to 65535)',
      ],
      [
        '127.0.0.1',
        'bad_name:1',
        '--tracker bad_name:1: "bad_name" is neither an IP address nor a host name',
      ],
      [
        '127.0.0.1',
        '127.0.0.1:1,',
        '--tracker must be HOST:PORT such as 127.0.0.1:12345, or several separated by commas (got "127.0.0.1:1,")',
      ],
      // `::1:7781` is an IPv6 address in its own right: taking its last group as the port was a
      // guess (found by hand: accepted, and the node talked to [::1]:7781).
      [
        '::1',
        '::1:7781',
        '--tracker: an IPv6 address goes in brackets, as [::1]:7781; "::1:7781" could also be the address ::1:7781 with no port',
      ],
      // One socket, one family: an IPv4 node cannot reach an IPv6 tracker, nor the other way.
      ['127.0.0.1', '127.0.0.1:4000,[::1]:4001', family('[::1]:4001', 6, '127.0.0.1')],
      ['::1', 'localhost:4000', family('127.0.0.1:4000', 4, '::1')],
    ];
    for (const [host, tracker, line] of refused)
      assert.equal(usageError('peer', '--id', '1', '--host', host, '--tracker', tracker), line);
    // A flag of one value given twice threw meow's error with a stack trace (found by hand).
    const repeated: Array<[string[], string]> = [
      [['peer', '--id', '1', '--id', '2'], '--id given twice ("1" and "2"): give it once'],
      [
        ['peer', '--id', '1', '--tracker', '127.0.0.1:1', '--tracker=127.0.0.1:2'],
        '--tracker given twice ("127.0.0.1:1" and "127.0.0.1:2"): give it once; several trackers go in one, separated by commas: --tracker 127.0.0.1:1,127.0.0.1:2',
      ],
      [
        ['tracker', '--port', '1', '--port', '2', '--port', '3'],
        '--port given 3 times ("1", "2", "3"): give it once',
      ],
      [
        ['peer', '--id', '1', '--tracker', '127.0.0.1:1,127.0.0.1:1'],
        '--tracker lists 127.0.0.1:1 twice (got "127.0.0.1:1,127.0.0.1:1")',
      ],
    ];
    for (const [args, line] of repeated) assert.equal(usageError(...args), line);
    // A switch twice is that switch; repeatable flags repeat.
    const twice = parse(
      'peer',
      '--id',
      '1',
      '--headless',
      '--headless',
      '--seed',
      'a',
      '--seed',
      'b',
    );
    assert.deepEqual(twice.kind === 'peer' && [twice.options.headless, twice.options.seed], [
      true,
      ['a', 'b'],
    ]);
    // Without --host the trackers given as addresses set the family (runPeer picks the address),
    // and must agree among themselves.
    const noHost = parse('peer', '--id', '1', '--tracker', '[fd00::5]:9,v6-tracker.lan:9');
    assert.equal(noHost.kind === 'peer' && noHost.options.host, null);
    assert.equal(
      usageError('peer', '--id', '1', '--tracker', '10.0.0.5:9,[fd00::5]:9'),
      '--tracker 10.0.0.5:9 is IPv4 but [fd00::5]:9 is IPv6: the node reaches its trackers from one address, so give them in one family',
    );
    assert.equal(
      usageError('peer', '--id', '1', '--max-owners', '17'),
      '--max-owners must be an integer from 1 to 16 (got "17")',
    );
  });
});

describe('command line: demo', () => {
  test('sizes, seeders, keep', () => {
    assert.deepEqual(parse('demo', '--size', '1,4', '--seeders', '2', '--keep', '--headless'), {
      kind: 'demo',
      options: { sizesMiB: [1, 4], seeders: 2, keep: true, headless: true },
    });
    assert.deepEqual(parse('demo'), {
      kind: 'demo',
      options: { sizesMiB: [8, 64, 256], seeders: 3, keep: false, headless: false },
    });
    assert.equal(
      usageError('demo', '--size', '0'),
      '--size must be up to 8 comma-separated sizes in MiB from 1 to 4096 (got "0")',
    );
    assert.equal(
      usageError('demo', '--seeders', '9'),
      '--seeders must be an integer from 1 to 8 (got "9")',
    );
  });
});

describe('suggestions', () => {
  test('edit distance and the closest plausible candidate', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(closest('--prot', ['--port', '--host']), '--port');
    assert.equal(closest('--zzzzzz', ['--port', '--host']), null);
  });
});
